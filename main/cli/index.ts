import { runCli } from './commands'

void runCli(process.argv).then((code) => {
  process.exitCode = code
})
