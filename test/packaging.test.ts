import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { extractFile, listPackage } from '@electron/asar'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTempDir } from './helpers/temp-dir'

const run = promisify(execFile)
const projectDir = process.cwd()
const builderCli = join(projectDir, 'node_modules', 'electron-builder', 'cli.js')
const BUILT_FILES = ['/out/main/index.js', '/out/main/cli.js', '/out/preload/index.cjs', '/out/renderer/index.html']

interface PackageJson {
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}

/**
 * Writes the two files electron-builder copies from an unpacked Electron distribution. Packaging only copies the
 * `electron` executable and renames it, so a shell script replaces the binary, which cannot be downloaded here.
 */
async function writeElectronStub(folder: string): Promise<void> {
  const executable = join(folder, 'electron')
  await writeFile(executable, '#!/bin/sh\necho "stand-in for packaging tests, not Electron" >&2\nexit 1\n')
  await chmod(executable, 0o755)
  await writeFile(join(folder, 'LICENSE'), 'Stand-in for the Electron license file.\n')
}

describe('packaged app', () => {
  const packageJson = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson
  let temp: { path: string; remove: () => Promise<void> }
  let resourcesDir: string
  let entries: string[]

  beforeAll(async () => {
    for (const path of BUILT_FILES) {
      expect(existsSync(join(projectDir, path)), `${path} is missing: "npm test" builds first; run "npm run build"`).toBe(true)
    }
    temp = await makeTempDir('pui-packaging-')
    const stubDir = join(temp.path, 'electron-dist')
    const outputDir = join(temp.path, 'dist')
    await mkdir(stubDir)
    await writeElectronStub(stubDir)

    const builderArgs = ['--linux', 'dir', '--publish', 'never', `-c.electronDist=${stubDir}`, `-c.directories.output=${outputDir}`]
    await run(process.execPath, [builderCli, ...builderArgs], { cwd: projectDir, env: { ...process.env, CI: 'true' } })

    resourcesDir = join(outputDir, 'linux-unpacked', 'resources')
    entries = listPackage(join(resourcesDir, 'app.asar'), { isPack: false }).map((entry) => entry.replaceAll('\\', '/'))
  }, 120_000)

  afterAll(async () => {
    await temp?.remove()
  })

  it('contains the built bundles', () => {
    for (const path of [...BUILT_FILES, '/package.json']) expect(entries, path).toContain(path)
  })

  it('names the app PUI Monitor', () => {
    const packaged = JSON.parse(extractFile(join(resourcesDir, 'app.asar'), 'package.json').toString()) as { productName?: string }

    // Electron names the userData folder, and so the data and log folder, after productName.
    expect(packaged.productName).toBe('PUI Monitor')
  })

  it('contains every runtime dependency', () => {
    for (const name of Object.keys(packageJson.dependencies)) {
      expect(entries, name).toContain(`/node_modules/${name}/package.json`)
    }
  })

  it('leaves out every devDependency', () => {
    for (const name of Object.keys(packageJson.devDependencies)) {
      expect(entries, name).not.toContain(`/node_modules/${name}`)
    }
  })

  it('leaves out sources, tests and docs', () => {
    const outsideDependencies = entries.filter((entry) => !entry.startsWith('/node_modules/'))
    for (const folder of ['test', 'bench', 'main', 'renderer', 'shared', 'docs', 'scripts', 'build', 'tools', 'bin']) {
      expect(outsideDependencies.filter((entry) => entry === `/${folder}` || entry.startsWith(`/${folder}/`)), folder).toEqual([])
    }
    expect(outsideDependencies.filter((entry) => /\.(ts|tsx|md)$/.test(entry))).toEqual([])
  })

  it('leaves out source maps', () => {
    expect(entries.filter((entry) => entry.endsWith('.map'))).toEqual([])
  })

  it('unpacks the tray images to disk', () => {
    for (const name of ['tray.png', 'tray@2x.png', 'tray-failure.png', 'tray-failure@2x.png']) {
      expect(entries, name).toContain(`/resources/${name}`)
      expect(existsSync(join(resourcesDir, 'app.asar.unpacked', 'resources', name)), name).toBe(true)
    }
  })
})
