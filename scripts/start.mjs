// Starts the desktop app when Electron's binary is installed; otherwise says why and runs the headless monitor.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const projectDir = fileURLToPath(new URL('..', import.meta.url))

function electronBinary() {
  try {
    const path = require('electron')
    return typeof path === 'string' && existsSync(path) ? { path } : { reason: `${path} does not exist` }
  } catch (error) {
    return { reason: error.message.split('\n')[0] }
  }
}

function run(command, args) {
  const child = spawn(command, args, { stdio: 'inherit', cwd: projectDir })
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
}

const electron = electronBinary()
if (electron.path) {
  console.error('Starting the PUI Monitor desktop app.')
  run(electron.path, ['.'])
} else {
  console.error(
    [
      `Electron's binary is not installed (${electron.reason}), so the desktop app cannot start on this machine.`,
      'Its download is blocked or was skipped (ELECTRON_SKIP_BINARY_DOWNLOAD). Starting the headless monitor instead:',
      '"pui-monitor watch" with the default folders; it prints one line per job change. Press Ctrl+C to stop.',
    ].join('\n'),
  )
  run(process.execPath, ['bin/pui-monitor.js', 'watch', ...process.argv.slice(2)])
}
