import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
}

async function filesContaining(folders: string[], pattern: RegExp): Promise<string[]> {
  const matches: string[] = []
  for (const folder of folders) {
    for (const file of await sourceFiles(folder)) {
      if (pattern.test(await readFile(file, 'utf8'))) matches.push(file)
    }
  }
  return matches.sort()
}

describe('architecture rules', () => {
  it('keeps electron out of the core', async () => {
    const importsElectron = /from ['"]electron['"]|require\(['"]electron['"]\)/

    const offenders = await filesContaining(['main/core', 'main/cli', 'main/serve', 'shared', 'renderer'], importsElectron)

    expect(offenders).toEqual([])
  })

  it('writes archival status only in BackupHelper', async () => {
    const offenders = await filesContaining(['main', 'shared'], /\.updateArchival\(/)

    expect(offenders).toEqual(['main/core/backup-helper.ts', 'main/core/observed-store.ts'])
  })

  it('uses raw IPC only in the wrappers', async () => {
    const offenders = await filesContaining(['main', 'shared', 'renderer'], /\bipc(Main|Renderer)\b/)

    expect(offenders).toEqual(['main/desktop/ipc-main.ts', 'main/preload-ipc.ts'])
  })

  it('imports electron only in the thin shell', async () => {
    const importsElectron = /from ['"]electron['"]|require\(['"]electron['"]\)/

    const importers = await filesContaining(['main'], importsElectron)

    expect(importers).toEqual([
      'main/desktop/desktop-app.ts',
      'main/desktop/ipc-main.ts',
      'main/desktop/main-window.ts',
      'main/desktop/tray.ts',
      'main/preload-ipc.ts',
      'main/preload.ts',
    ])
  })

  it('keeps Node modules out of the renderer', async () => {
    const offenders = await filesContaining(['renderer', 'shared'], /from ['"]node:/)

    expect(offenders).toEqual([])
  })
})
