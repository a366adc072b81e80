import { runCli } from './commands'

// A reader that goes away (`pui-monitor report | head`) closes the pipe. Output stops there, but the command
// still finishes its work, instead of dying on an unhandled EPIPE with jobs half done.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error
  })
}

void runCli(process.argv).then((code) => {
  process.exitCode = code
})
