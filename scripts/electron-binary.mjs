// Locates Electron's binary for the scripts that start it (npm start, npm run test:electron).
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const projectDir = fileURLToPath(new URL('..', import.meta.url))
const electronDir = join(projectDir, 'node_modules', 'electron')

/**
 * Finds Electron's binary without requiring the package, because requiring it starts a download when it is missing.
 * Returns `{ binary }` when the binary exists, else `{ reason }` saying what is missing.
 */
export function findElectron() {
  const pathFile = join(electronDir, 'path.txt')
  if (!existsSync(pathFile)) return { reason: `${pathFile} is missing, so the binary was never downloaded` }
  const relative = readFileSync(pathFile, 'utf8').trim()
  const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(electronDir, 'dist')
  const binary = join(distDir, relative)
  return existsSync(binary) ? { binary } : { reason: `${binary} does not exist` }
}
