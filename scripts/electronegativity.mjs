// Scans the built app (out/) with Electronegativity and exits 1 on any HIGH or MEDIUM finding that the allow-list
// does not explain. Electronegativity lives in tools/electronegativity/ with its own lock file, because it pins
// TypeScript 4.2 and ESLint 7, which must not replace the app's own versions.
//   node scripts/electronegativity.mjs [--input FOLDER] [--allow-list FILE]
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import Module, { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { z } from 'zod'

const projectDir = fileURLToPath(new URL('..', import.meta.url))
const toolDir = join(projectDir, 'tools', 'electronegativity')
const toolPackageDir = join(toolDir, 'node_modules', '@doyensec', 'electronegativity')

/** Severities that fail the scan unless the allow-list gives a reason. */
const FAILING_SEVERITIES = new Set(['HIGH', 'MEDIUM'])

/**
 * Checks left out of every scan. AvailableSecurityFixesGlobalCheck downloads Electron's release list from GitHub,
 * which CI cannot reach. The Electron version is pinned in package-lock.json and updated through npm instead.
 */
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck']

const AllowListSchema = z.array(
  z.strictObject({
    check: z.string().min(1),
    file: z.string().min(1),
    reason: z.string().trim().min(20, 'give the reason in a full sentence'),
  }),
)

function fail(message) {
  console.error(`scan:electron: ${message}`)
  process.exit(1)
}

function ensureInstalled() {
  if (existsSync(join(toolPackageDir, 'package.json'))) return

  console.error(`scan:electron: installing Electronegativity into ${relative(projectDir, toolDir)}/ (npm ci)`)
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const install = spawnSync(npm, ['ci', '--prefix', toolDir, '--no-audit', '--no-fund'], { stdio: ['ignore', 'inherit', 'inherit'] })
  if (install.status !== 0) {
    fail(`"npm ci --prefix ${toolDir}" failed (exit ${install.status ?? install.signal}): check the npm registry access and retry`)
  }
}

/**
 * Loads Electronegativity's runner with its translations read from the package itself. Its CLI first downloads
 * updated translations from the authors' bucket, and this scan must not depend on that host.
 */
function loadRunner() {
  const requireFromTool = createRequire(join(toolPackageDir, 'package.json'))
  const i18n = requireFromTool('i18n')
  const localesDir = join(toolPackageDir, 'dist', 'locales')
  const localesModulePath = join(localesDir, 'i18n.js')

  const localesModule = new Module(localesModulePath)
  localesModule.filename = localesModulePath
  localesModule.loaded = true
  localesModule.exports = {
    __esModule: true,
    default: async () => {
      i18n.configure({ locales: ['en-US'], defaultLocale: 'en-US', directory: localesDir, updateFiles: false, objectNotation: true, register: globalThis })
      i18n.setLocale('en-US')
    },
  }
  requireFromTool.cache[localesModulePath] = localesModule

  return requireFromTool(join(toolPackageDir, 'dist', 'runner.js'))
}

/**
 * Copies `input` to a temporary folder with `.cjs` and `.mjs` files renamed to `.js`, because Electronegativity
 * 1.10 reads only .js, .jsx, .ts, .tsx and .html files and would never read the CommonJS preload. Returns the
 * copy and a map from the copy's relative paths back to the original names.
 */
function stageForScan(input) {
  const staged = mkdtempSync(join(tmpdir(), 'pui-electronegativity-'))
  cpSync(input, staged, { recursive: true })
  const originalNames = new Map()

  for (const entry of readdirSync(staged, { recursive: true, withFileTypes: true })) {
    const match = entry.isFile() && entry.name.match(/^(.*)\.(cjs|mjs)$/)
    if (!match) continue
    const renamed = join(entry.parentPath, `${match[1]}.js`)
    if (existsSync(renamed)) fail(`cannot stage ${entry.name}: ${relative(staged, renamed)} exists next to it`)
    renameSync(join(entry.parentPath, entry.name), renamed)
    originalNames.set(toPosix(relative(staged, renamed)), toPosix(relative(staged, join(entry.parentPath, entry.name))))
  }
  return { staged, originalNames }
}

/** Returns `path` relative to the project when it is inside it, else in full. */
function displayPath(path) {
  const inside = relative(projectDir, path)
  return inside && !inside.startsWith('..') ? toPosix(inside) : path
}

function toPosix(path) {
  return path.split(sep).join('/')
}

function readAllowList(path) {
  if (!existsSync(path)) fail(`allow-list ${path} not found: create it with [] when nothing is allowed`)
  let entries
  try {
    entries = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    fail(`allow-list ${path} is not valid JSON (${error.message}): fix the file`)
  }
  const parsed = AllowListSchema.safeParse(entries)
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `entry ${issue.path.join('.')}: ${issue.message}`).join('; ')
    fail(`allow-list ${path} is invalid (${problems}): each entry needs "check", "file" and "reason"`)
  }
  return parsed.data
}

function installedElectronVersion() {
  const manifest = join(projectDir, 'node_modules', 'electron', 'package.json')
  if (!existsSync(manifest)) fail(`${manifest} not found: run "npm ci" first`)
  return JSON.parse(readFileSync(manifest, 'utf8')).version
}

/**
 * Prints every finding and every file that could not be parsed, and returns how many of them fail the scan: parse
 * failures and HIGH or MEDIUM findings without an allow-list entry. `fileOf` maps a scanned path to its name in the
 * input folder.
 */
function reportFindings(result, allowList, fileOf) {
  const unreadable = result.errors.filter((error) => !error.tolerable)
  for (const error of unreadable) console.log(`NOT SCANNED  ${fileOf(error.file)}: ${error.message}`)

  const used = new Set()
  let failures = unreadable.length
  for (const issue of result.issues) {
    const file = fileOf(issue.file)
    const where = file === 'N/A' ? 'whole app' : `${file}:${issue.location.line}:${issue.location.column}`
    const line = `${issue.severity.name.padEnd(13)} ${issue.id}  ${where}  ${issue.shortenedURL}`
    if (!FAILING_SEVERITIES.has(issue.severity.name)) {
      console.log(`note     ${line}`)
      continue
    }

    const allowed = allowList.find((entry) => entry.check === issue.id && entry.file === file)
    if (allowed) {
      used.add(allowed)
      console.log(`allowed  ${line}\n         reason: ${allowed.reason}`)
    } else {
      failures += 1
      console.log(`FAILED   ${line}\n         ${issue.description}`)
    }
  }

  for (const entry of allowList.filter((candidate) => !used.has(candidate))) {
    console.log(`unused allow-list entry: ${entry.check} in ${entry.file}. Remove it if the finding is gone.`)
  }
  return failures
}

async function main() {
  const { values } = parseArgs({
    options: {
      input: { type: 'string', default: join(projectDir, 'out') },
      'allow-list': { type: 'string', default: join(toolDir, 'allow-list.json') },
    },
  })
  const input = resolve(values.input)
  if (!existsSync(input)) fail(`${input} not found: run "npm run build" first, or pass --input FOLDER`)
  const allowList = readAllowList(resolve(values['allow-list']))

  ensureInstalled()
  const run = loadRunner()
  const { staged, originalNames } = stageForScan(input)

  let result
  try {
    result = await run(
      { input: staged, customScan: [], excludeFromScan: EXCLUDED_CHECKS, electronVersionOverride: installedElectronVersion(), parserPlugins: [] },
      false,
    )
  } finally {
    rmSync(staged, { recursive: true, force: true })
  }

  const fileOf = (path) => {
    if (path === 'N/A') return path
    const inside = toPosix(relative(staged, path))
    return originalNames.get(inside) ?? inside
  }
  const failures = reportFindings(result, allowList, fileOf)

  const summary = `${result.issues.length} findings from ${result.globalChecks + result.atomicChecks} checks on ${displayPath(input)}`
  if (failures > 0) {
    fail(
      `${summary}: ${failures} HIGH or MEDIUM findings or unreadable files without an allow-list reason. ` +
        `Fix the code, or add a reason to ${displayPath(resolve(values['allow-list']))} if a finding is a false positive`,
    )
  }
  console.log(`scan:electron: ${summary}: no HIGH or MEDIUM finding without an allow-list reason`)
}

await main()
