import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOCK_FILE_NAME, acquireDataFolderLock } from '../../main/core/data-folder-lock'
import type { CoreLogger } from '../../main/core/logger'
import { FsFaults } from '../helpers/fs-faults'

/** Returns the pid of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await once(child, 'exit')
  if (child.pid === undefined) throw new Error('fault not created: the short-lived child process got no pid')
  return child.pid
}

describe('data folder leftovers', () => {
  let faults: FsFaults

  beforeEach(() => {
    faults = new FsFaults()
  })
  afterEach(() => faults.cleanup())

  it('removes lock temporaries of dead processes', async () => {
    const dataDir = await faults.tempDir('pui-data-fault')
    const dead = await deadPid()
    const leftovers = [`${LOCK_FILE_NAME}.tmp-${dead}-0123abcd`, `${LOCK_FILE_NAME}.takeover.tmp-${dead}-89abcdef`]
    const live = `${LOCK_FILE_NAME}.tmp-${process.pid}-00000000`
    for (const name of [...leftovers, live]) await writeFile(join(dataDir, name), '{}\n')
    const warnings: string[] = []
    const logger: CoreLogger = { debug: () => undefined, info: () => undefined, warn: (text) => warnings.push(String(text)), error: () => undefined }

    const lock = await acquireDataFolderLock(dataDir, { logger })

    expect((await readdir(dataDir)).sort()).toEqual([LOCK_FILE_NAME, live].sort())
    expect(warnings).toHaveLength(2)
    for (const name of leftovers) {
      expect(warnings.filter((warning) => warning.includes(`removed ${join(dataDir, name)}, left by process ${dead}`))).toHaveLength(1)
    }
    await lock.release()
    expect(await readdir(dataDir)).toEqual([live])
  })
})
