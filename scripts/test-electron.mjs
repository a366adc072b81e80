// Runs the Electron suite (test/electron/) against the real Electron binary. Where the binary is missing, it exits 1
// and prints how to install it, so the suite never passes without launching Electron.
//   npm run test:electron [-- vitest options]
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findElectron } from './electron-binary.mjs'

const projectDir = fileURLToPath(new URL('..', import.meta.url))
const VITEST_CONFIG = 'test/electron/vitest.config.ts'

function fail(lines) {
  console.error(lines.join('\n'))
  process.exit(1)
}

/** Returns true when `command` is on the PATH. */
function commandExists(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0
}

const electron = findElectron()
if (!electron.binary) {
  fail([
    `test:electron: Electron's binary is not installed (${electron.reason}), so the Electron suite cannot run.`,
    'Install it on a machine where downloads work: unset ELECTRON_SKIP_BINARY_DOWNLOAD and run',
    '  node node_modules/electron/install.js',
    'then run "npm run test:electron" again. "npm test" covers everything else without Electron.',
  ])
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const build = spawnSync(npm, ['run', 'build'], { cwd: projectDir, stdio: 'inherit' })
if (build.status !== 0) fail([`test:electron: "npm run build" failed (exit ${build.status ?? build.signal}): fix the build first`])

const vitest = [join(projectDir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', VITEST_CONFIG, ...process.argv.slice(2)]
let command = process.execPath
let args = vitest
const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
if (process.platform === 'linux' && !hasDisplay) {
  if (!commandExists('xvfb-run')) {
    fail([
      'test:electron: no display (DISPLAY and WAYLAND_DISPLAY are unset) and xvfb-run is not installed.',
      'Install Xvfb ("apt-get install -y xvfb") or run the suite inside a desktop session.',
    ])
  }
  command = 'xvfb-run'
  args = ['--auto-servernum', '--server-args=-screen 0 1600x1000x24', process.execPath, ...vitest]
}

const child = spawn(command, args, {
  cwd: projectDir,
  stdio: 'inherit',
  env: { ...process.env, PUI_ELECTRON_BINARY: electron.binary },
})
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)))
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
