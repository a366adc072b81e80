// Starts the desktop app when Electron's binary is installed. Otherwise it prints why and starts serve mode, which
// runs the same core and the same UI in a browser.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { findElectron } from './electron-binary.mjs'

const projectDir = fileURLToPath(new URL('..', import.meta.url))

function run(command, args) {
  const child = spawn(command, args, { stdio: 'inherit', cwd: projectDir })
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
  // The child shares this process group, so a Ctrl+C on a terminal already reached it, and forwarding it would
  // deliver it twice. SIGTERM, and SIGINT without a terminal (kill <pid>), may have reached this process only.
  process.on('SIGINT', () => {
    if (!process.stdin.isTTY) child.kill('SIGINT')
  })
  process.on('SIGTERM', () => child.kill('SIGTERM'))
}

const electron = findElectron()
if (electron.binary) {
  console.error('Starting the PUI Monitor desktop app.')
  run(electron.binary, ['.', ...process.argv.slice(2)])
} else {
  console.error(
    [
      `Electron's binary is not installed (${electron.reason}), so the desktop app cannot start here.`,
      'Its download is blocked on this machine or was skipped with ELECTRON_SKIP_BINARY_DOWNLOAD.',
      'Starting serve mode instead: the same monitor and UI in your browser, on 127.0.0.1 only.',
      'Open the URL printed below (it carries the access token). Press Ctrl+C to stop.',
      'To start serve mode directly next time, run "npm run serve".',
    ].join('\n'),
  )
  run(process.execPath, ['bin/pui-monitor.js', 'serve', ...process.argv.slice(2)])
}
