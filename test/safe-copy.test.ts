import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempNameFor } from '../main/core/archive-names'
import {
  archiveFile,
  BackupError,
  clashCandidates,
  findArchivedCopy,
  isTransientCode,
  moveFile,
  removeArchivedSource,
  removeStaleTemps,
} from '../main/core/safe-copy'
import { FsFaults, listFiles, sampleContent, sha256Of, sha256OfFile, writeFileWithHash } from './helpers/fs-faults'

const FILE_NAME = 'acme_stmt_20261130_1.txt'
const CONTENT = 'account|name|date|file|pages\n1234|Ada|20261130|a.pdf|2\n'
/** A legal file name of 250 bytes. A temporary or clash name built by adding to it would pass the 255-byte NAME_MAX. */
const LONG_NAME = `acme_stmt_20261130_${'7'.repeat(250 - 'acme_stmt_20261130_.txt'.length)}.txt`
/** Temporary names: `.pui-<content hash>-<file name hash>-<token>.pui-tmp`. */
const TEMP_NAME = /^\.pui-[0-9a-f]{12}-[0-9a-f]{8}-[0-9a-f]{12}\.pui-tmp$/
/** A 248-byte name whose 247-byte extension leaves no room for a clash suffix. */
const LONG_EXTENSION_NAME = `a.${'e'.repeat(246)}`
const SAFE_COPY_MODULE = fileURLToPath(new URL('../main/core/safe-copy.ts', import.meta.url))

let faults: FsFaults
let indexDir: string
let archiveDir: string

beforeEach(async () => {
  faults = new FsFaults()
  indexDir = await faults.tempDir('pui-index')
  archiveDir = await faults.tempDir('pui-archive')
})

afterEach(async () => {
  await faults.cleanup()
})

async function captureError(action: Promise<unknown>): Promise<BackupError> {
  const error = await action.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(BackupError)
  return error as BackupError
}

describe('archiveFile', () => {
  it('archives, verifies and removes source', async () => {
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const destination = join(archiveDir, 'acme', '2026', '11', FILE_NAME)

    const outcome = await archiveFile(source, destination, sha256)

    const size = Buffer.byteLength(CONTENT)
    expect(outcome).toEqual({ archivePath: destination, sha256, size, alreadyArchived: false })
    expect(await readFile(destination, 'utf8')).toBe(CONTENT)
    expect(existsSync(source)).toBe(false)
    expect(await listFiles(archiveDir)).toEqual([`acme/2026/11/${FILE_NAME}`])
  })

  it('archives across devices', async () => {
    const shmIndex = await faults.sharedMemoryDir('pui-index')
    const source = join(shmIndex, FILE_NAME)
    const content = sampleContent(3 * 1024 * 1024 + 17)
    const sha256 = await writeFileWithHash(source, content)
    const destination = join(archiveDir, 'acme', FILE_NAME)
    expect((await stat(shmIndex)).dev).not.toBe((await stat(archiveDir)).dev)

    const outcome = await archiveFile(source, destination, sha256)

    expect(outcome.alreadyArchived).toBe(false)
    expect(outcome.size).toBe(content.length)
    expect(await sha256OfFile(destination)).toBe(sha256)
    expect(existsSync(source)).toBe(false)
    expect(await listFiles(archiveDir)).toEqual([`acme/${FILE_NAME}`])
  })

  it('treats identical existing file as archived', async () => {
    const source = join(indexDir, FILE_NAME)
    const destination = join(archiveDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    await writeFile(destination, CONTENT)
    const before = await stat(destination)

    const outcome = await archiveFile(source, destination, sha256)

    const size = Buffer.byteLength(CONTENT)
    expect(outcome).toEqual({ archivePath: destination, sha256, size, alreadyArchived: true })
    expect(existsSync(source)).toBe(false)
    const after = await stat(destination)
    expect(after.ino).toBe(before.ino)
    expect(after.mtimeMs).toBe(before.mtimeMs)
    expect(await listFiles(archiveDir)).toEqual([FILE_NAME])
  })

  it('renames on clash with other content', async () => {
    const source = join(indexDir, FILE_NAME)
    const destination = join(archiveDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const older = 'older content with the same name\n'
    await writeFile(destination, older)

    const outcome = await archiveFile(source, destination, sha256)

    const renamed = join(archiveDir, `acme_stmt_20261130_1.${sha256.slice(0, 8)}.txt`)
    expect(outcome.archivePath).toBe(renamed)
    expect(outcome.alreadyArchived).toBe(false)
    expect(await readFile(renamed, 'utf8')).toBe(CONTENT)
    expect(await readFile(destination, 'utf8')).toBe(older)
    expect(existsSync(source)).toBe(false)
  })

  it('adds a counter when the clash name is taken', async () => {
    const source = join(indexDir, FILE_NAME)
    const destination = join(archiveDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const [, hashName] = clashCandidates(destination, sha256)
    await writeFile(destination, 'first other content\n')
    await writeFile(hashName as string, 'second other content\n')

    const outcome = await archiveFile(source, destination, sha256)

    expect(outcome.archivePath).toBe(join(archiveDir, `acme_stmt_20261130_1.${sha256.slice(0, 8)}-2.txt`))
    expect(await readFile(outcome.archivePath, 'utf8')).toBe(CONTENT)
    expect(await readFile(destination, 'utf8')).toBe('first other content\n')
    expect(await readFile(hashName as string, 'utf8')).toBe('second other content\n')
  })

  it('finds earlier copy under clash name', async () => {
    const source = join(indexDir, FILE_NAME)
    const destination = join(archiveDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const [, hashName] = clashCandidates(destination, sha256)
    await writeFile(destination, 'other content\n')
    await writeFile(hashName as string, CONTENT)

    const outcome = await archiveFile(source, destination, sha256)

    expect(outcome.archivePath).toBe(hashName)
    expect(outcome.alreadyArchived).toBe(true)
    expect(existsSync(source)).toBe(false)
    expect(await listFiles(archiveDir)).toHaveLength(2)
  })

  it('archives a 250-byte file name', async () => {
    expect(Buffer.byteLength(LONG_NAME)).toBe(250)
    const source = join(indexDir, LONG_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const destination = join(archiveDir, 'acme', LONG_NAME)

    const outcome = await archiveFile(source, destination, sha256)

    const size = Buffer.byteLength(CONTENT)
    expect(outcome).toEqual({ archivePath: destination, sha256, size, alreadyArchived: false })
    expect(await readFile(destination, 'utf8')).toBe(CONTENT)
    expect(existsSync(source)).toBe(false)
    expect(await listFiles(archiveDir)).toEqual([`acme/${LONG_NAME}`])
  })

  it('shortens clash name of 250-byte name', async () => {
    const source = join(indexDir, LONG_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const destination = join(archiveDir, LONG_NAME)
    await writeFile(destination, 'older content with the same name\n')

    const outcome = await archiveFile(source, destination, sha256)

    const name = basename(outcome.archivePath)
    const stemBytes = 255 - `.${sha256.slice(0, 8)}.txt`.length
    expect(name).toBe(`${LONG_NAME.slice(0, stemBytes)}.${sha256.slice(0, 8)}.txt`)
    expect(Buffer.byteLength(name)).toBe(255)
    expect(outcome.alreadyArchived).toBe(false)
    expect(await readFile(outcome.archivePath, 'utf8')).toBe(CONTENT)
    expect(await readFile(destination, 'utf8')).toBe('older content with the same name\n')
    expect(existsSync(source)).toBe(false)
    expect(await listFiles(archiveDir)).toEqual([name, LONG_NAME].sort())
  })

  it('finds shortened clash name again', async () => {
    const destination = join(archiveDir, LONG_NAME)
    await writeFile(destination, 'older content with the same name\n')
    const first = join(indexDir, LONG_NAME)
    const sha256 = await writeFileWithHash(first, CONTENT)
    const archived = await archiveFile(first, destination, sha256)
    await writeFile(first, CONTENT)

    const outcome = await archiveFile(first, destination, sha256)

    expect(outcome.archivePath).toBe(archived.archivePath)
    expect(outcome.alreadyArchived).toBe(true)
    expect(existsSync(first)).toBe(false)
    expect(await listFiles(archiveDir)).toHaveLength(2)
  })

  it('reports name too long for file system', async () => {
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const tooLong = `${'n'.repeat(252)}.txt`
    const destination = join(archiveDir, tooLong)

    const error = await captureError(archiveFile(source, destination, sha256))

    expect(error.code).toBe('NAME_TOO_LONG')
    expect(error.transient).toBe(false)
    expect(error.message).toContain(`backup: cannot place file at ${destination} (ENAMETOOLONG): `)
    expect(error.message).toContain(`the file name ${tooLong} is 256 bytes, longer than the archive file system allows`)
    expect(error.message).toContain('Rename the file in the index folder to a shorter name')
    expect(error.message).not.toContain('check the archive folder')
    expect(await listFiles(archiveDir)).toEqual([])
    expect(await readFile(source, 'utf8')).toBe(CONTENT)
  })

  it('reports folder name too long', async () => {
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const client = 'c'.repeat(300)
    const folder = join(archiveDir, client, '2026')

    const error = await captureError(archiveFile(source, join(folder, FILE_NAME), sha256))

    expect(error.code).toBe('NAME_TOO_LONG')
    expect(error.transient).toBe(false)
    expect(error.message).toContain(`backup: cannot create archive folder ${folder} (ENAMETOOLONG): `)
    expect(error.message).toContain(`the folder name ${client} is 300 bytes, longer than the archive file system allows`)
    expect(await listFiles(archiveDir)).toEqual([])
    expect(await readFile(source, 'utf8')).toBe(CONTENT)
  })

  it('reports clash when no clash name fits', async () => {
    const source = join(indexDir, LONG_EXTENSION_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const destination = join(archiveDir, LONG_EXTENSION_NAME)
    await writeFile(destination, 'older content with the same name\n')

    const error = await captureError(archiveFile(source, destination, sha256))

    expect(error.code).toBe('NAME_TOO_LONG')
    expect(error.transient).toBe(false)
    expect(error.message).toContain(`a file with other content already has the name ${destination}`)
    expect(error.message).toContain(`the file name ${LONG_EXTENSION_NAME} is 248 bytes`)
    expect(error.message).toContain('longer than the archive file system allows (255 bytes)')
    expect(error.message).toContain('Rename the file in the index folder to a shorter name')
    expect(await listFiles(archiveDir)).toEqual([LONG_EXTENSION_NAME])
    expect(await readFile(destination, 'utf8')).toBe('older content with the same name\n')
    expect(await readFile(source, 'utf8')).toBe(CONTENT)
  })

  it('fails when source is missing', async () => {
    const source = join(indexDir, FILE_NAME)
    const destination = join(archiveDir, 'acme', FILE_NAME)

    const error = await captureError(archiveFile(source, destination, sha256Of(CONTENT)))

    expect(error.code).toBe('SOURCE_MISSING')
    expect(error.transient).toBe(false)
    expect(error.message).toContain(`source file is gone: ${source}`)
    expect(await listFiles(archiveDir)).toEqual([])
  })

  it('accepts missing source already archived', async () => {
    const source = join(indexDir, FILE_NAME)
    const destination = join(archiveDir, FILE_NAME)
    const sha256 = await writeFileWithHash(destination, CONTENT)

    const outcome = await archiveFile(source, destination, sha256)

    expect(outcome.alreadyArchived).toBe(true)
    expect(outcome.archivePath).toBe(destination)
    expect(await readFile(destination, 'utf8')).toBe(CONTENT)
  })

  it('keeps source that changed since processing', async () => {
    const source = join(indexDir, FILE_NAME)
    const processedSha256 = sha256Of(CONTENT)
    const changed = `${CONTENT}9999|Late|20261130|b.pdf|1\n`
    await writeFile(source, changed)
    const destination = join(archiveDir, 'acme', FILE_NAME)

    const error = await captureError(archiveFile(source, destination, processedSha256))

    expect(error.code).toBe('SOURCE_CHANGED')
    expect(error.transient).toBe(false)
    expect(error.message).toContain(`expected sha256 ${processedSha256}, found ${sha256Of(changed)}`)
    expect(error.message).toContain('was not archived')
    expect(await readFile(source, 'utf8')).toBe(changed)
    expect(await listFiles(archiveDir)).toEqual([])
  })

  it('keeps source changed during copy', async () => {
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const destination = join(archiveDir, FILE_NAME)
    const rewritten = `${CONTENT}5555|Rewritten|20261130|c.pdf|3\n`

    const error = await captureError(
      archiveFile(source, destination, sha256, { afterTempWritten: () => writeFile(source, rewritten) }),
    )

    expect(error.code).toBe('SOURCE_CHANGED')
    expect(error.message).toContain(`source file ${source} changed while it was archived`)
    expect(await readFile(source, 'utf8')).toBe(rewritten)
    expect(await readFile(destination, 'utf8')).toBe(CONTENT)
    expect(await listFiles(archiveDir)).toEqual([FILE_NAME])
  })

  it('removes copy that fails verification', async () => {
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const destination = join(archiveDir, FILE_NAME)

    const error = await captureError(
      archiveFile(source, destination, sha256, { afterTempWritten: (tempPath) => writeFile(tempPath, 'corrupted') }),
    )

    expect(error.code).toBe('VERIFY_FAILED')
    expect(error.transient).toBe(true)
    expect(error.message).toContain(`expected ${Buffer.byteLength(CONTENT)} bytes with sha256 ${sha256}`)
    expect(await listFiles(archiveDir)).toEqual([])
    expect(await readFile(source, 'utf8')).toBe(CONTENT)
  })

  it('leaves nothing behind on full disk', async () => {
    const smallDisk = await faults.smallTmpfs(64 * 1024)
    const source = join(indexDir, FILE_NAME)
    const content = sampleContent(200 * 1024)
    const sha256 = await writeFileWithHash(source, content)
    const destination = join(smallDisk, 'acme', '2026', '11', FILE_NAME)

    const error = await captureError(archiveFile(source, destination, sha256))

    expect(error.code).toBe('ENOSPC')
    expect(error.transient).toBe(true)
    const tempName = TEMP_NAME.source.slice(1, -1)
    const folder = join(smallDisk, 'acme', '2026', '11')
    const expected = `^backup: cannot write temporary file ${folder}/${tempName} \\(ENOSPC\\): `
    expect(error.message).toMatch(new RegExp(expected))
    expect(error.message).toContain('the archive disk is full. Free space, then retry the backup')
    expect(await listFiles(smallDisk)).toEqual([])
    expect(await sha256OfFile(source)).toBe(sha256)
  })

  it('reports read-only archive folder', async () => {
    const readOnlyArchive = await faults.readOnlyView(archiveDir)
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const folder = join(readOnlyArchive, 'acme', '2026', '11')

    const error = await captureError(archiveFile(source, join(folder, FILE_NAME), sha256))

    expect(error.code).toBe('EROFS')
    expect(error.transient).toBe(false)
    expect(error.message).toMatch(new RegExp(`^backup: cannot create archive folder ${folder} \\(EROFS\\): `))
    expect(error.message).toContain('Remount it read-write or choose another archive folder')
    expect(await readFile(source, 'utf8')).toBe(CONTENT)
    expect(await listFiles(archiveDir)).toEqual([])
  })

  it('reports read-only existing folder', async () => {
    await mkdir(join(archiveDir, 'acme'))
    const readOnlyArchive = await faults.readOnlyView(archiveDir)
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)

    const error = await captureError(archiveFile(source, join(readOnlyArchive, 'acme', FILE_NAME), sha256))

    expect(error.code).toBe('EROFS')
    const tempPrefix = join(readOnlyArchive, 'acme', '.pui-')
    expect(error.message).toContain(`backup: cannot create temporary file ${tempPrefix}`)
    expect(await readFile(source, 'utf8')).toBe(CONTENT)
    expect(await listFiles(archiveDir)).toEqual([])
  })

  it('reports archive path through a file', async () => {
    const blocker = join(archiveDir, 'acme')
    await writeFile(blocker, 'a file where a folder should be')
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const folder = join(blocker, '2026', '11')

    const error = await captureError(archiveFile(source, join(folder, FILE_NAME), sha256))

    expect(error.code).toBe('ENOTDIR')
    expect(error.transient).toBe(false)
    expect(error.message).toContain(`backup: cannot create archive folder ${folder} (ENOTDIR): `)
    expect(error.message).toContain('a part of the path is a file, not a folder')
    expect(await readFile(source, 'utf8')).toBe(CONTENT)
    expect(await readFile(blocker, 'utf8')).toBe('a file where a folder should be')
  })
})

describe('moveFile', () => {
  it('renames within one file system', async () => {
    const source = join(indexDir, FILE_NAME)
    await writeFile(source, CONTENT)
    const inode = (await stat(source)).ino
    const folder = join(archiveDir, 'moved')

    const outcome = await moveFile(source, folder)

    expect(outcome).toEqual({
      destinationPath: join(folder, FILE_NAME),
      size: Buffer.byteLength(CONTENT),
      alreadyPresent: false,
      crossDevice: false,
    })
    expect((await stat(outcome.destinationPath)).ino).toBe(inode)
    expect(existsSync(source)).toBe(false)
  })

  it('copies and unlinks across devices', async () => {
    const shmFolder = await faults.sharedMemoryDir('pui-moved')
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)

    const outcome = await moveFile(source, join(shmFolder, 'notices'))

    expect(outcome.crossDevice).toBe(true)
    expect(outcome.destinationPath).toBe(join(shmFolder, 'notices', FILE_NAME))
    expect(await sha256OfFile(outcome.destinationPath)).toBe(sha256)
    expect(existsSync(source)).toBe(false)
    expect(await listFiles(shmFolder)).toEqual([`notices/${FILE_NAME}`])
  })

  it('moves 250-byte name across devices', async () => {
    const shmFolder = await faults.sharedMemoryDir('pui-moved')
    const source = join(indexDir, LONG_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)

    const outcome = await moveFile(source, shmFolder)

    expect(outcome.crossDevice).toBe(true)
    expect(outcome.destinationPath).toBe(join(shmFolder, LONG_NAME))
    expect(await sha256OfFile(outcome.destinationPath)).toBe(sha256)
    expect(existsSync(source)).toBe(false)
    expect(await listFiles(shmFolder)).toEqual([LONG_NAME])
  })

  it('never overwrites on clash', async () => {
    const source = join(indexDir, FILE_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    await writeFile(join(archiveDir, FILE_NAME), 'other content\n')

    const outcome = await moveFile(source, archiveDir)

    expect(outcome.destinationPath).toBe(join(archiveDir, `acme_stmt_20261130_1.${sha256.slice(0, 8)}.txt`))
    expect(await readFile(outcome.destinationPath, 'utf8')).toBe(CONTENT)
    expect(await readFile(join(archiveDir, FILE_NAME), 'utf8')).toBe('other content\n')
    expect(existsSync(source)).toBe(false)
  })

  it('drops source already present', async () => {
    const source = join(indexDir, FILE_NAME)
    await writeFile(source, CONTENT)
    await writeFile(join(archiveDir, FILE_NAME), CONTENT)

    const outcome = await moveFile(source, archiveDir)

    expect(outcome.alreadyPresent).toBe(true)
    expect(existsSync(source)).toBe(false)
    expect(await listFiles(archiveDir)).toEqual([FILE_NAME])
  })

  it('fails when source is missing', async () => {
    const error = await captureError(moveFile(join(indexDir, FILE_NAME), archiveDir))

    expect(error.code).toBe('SOURCE_MISSING')
    expect(error.message).toContain(`source file is gone: ${join(indexDir, FILE_NAME)}`)
    expect(await listFiles(archiveDir)).toEqual([])
  })
})

describe('removeStaleTemps', () => {
  it('removes leftovers of a killed copy', async () => {
    const source = join(indexDir, LONG_NAME)
    const sha256 = await writeFileWithHash(source, CONTENT)
    const folder = join(archiveDir, 'acme')
    const scriptDir = await faults.tempDir('pui-killed-copy')
    const script = join(scriptDir, 'killed-copy.mts')
    await writeFile(
      script,
      `import { archiveFile } from ${JSON.stringify(pathToFileURL(SAFE_COPY_MODULE).href)}\n` +
        'const [source, destination, sha256] = process.argv.slice(2)\n' +
        "const killSelf = () => { process.kill(process.pid, 'SIGKILL') }\n" +
        'await archiveFile(source, destination, sha256, { afterTempWritten: killSelf })\n',
    )

    const child = spawnSync(process.execPath, ['--import', 'tsx', script, source, join(folder, LONG_NAME), sha256], {
      encoding: 'utf8',
    })
    expect(child.signal, `the copy was not killed; stderr: ${child.stderr}`).toBe('SIGKILL')
    const leftovers = await readdir(folder)
    expect(leftovers).toHaveLength(1)
    expect(leftovers[0]).toMatch(TEMP_NAME)

    const removed = await removeStaleTemps(folder, LONG_NAME, sha256)

    expect(removed).toEqual([join(folder, leftovers[0] as string)])
    expect(await listFiles(archiveDir)).toEqual([])
    expect(await readFile(source, 'utf8')).toBe(CONTENT)
  })

  it('removes only that file temps', async () => {
    const sha256 = sha256Of(CONTENT)
    const stale = [tempNameFor(FILE_NAME, sha256), tempNameFor(FILE_NAME, sha256), `.${FILE_NAME}.0a1b2c.pui-tmp`]
    const notHex = (stale[0] as string).replace(/-[0-9a-f]+\.pui-tmp$/, '-not-hex.pui-tmp')
    const otherContent = tempNameFor(FILE_NAME, sha256Of('other content\n'))
    const unrelated = [FILE_NAME, tempNameFor('other.txt', sha256), otherContent, tempNameFor(FILE_NAME, null), notHex]
    unrelated.push('.other.txt.0a1b2c.pui-tmp', `.${FILE_NAME}.not-hex.pui-tmp`)
    for (const name of [...stale, ...unrelated]) await writeFile(join(archiveDir, name), 'x')

    const removed = await removeStaleTemps(archiveDir, FILE_NAME, sha256)

    expect(removed.sort()).toEqual(stale.map((name) => join(archiveDir, name)).sort())
    expect(await listFiles(archiveDir)).toEqual([...unrelated].sort())
  })

  it('returns nothing for absent folder', async () => {
    expect(await removeStaleTemps(join(archiveDir, 'absent'), FILE_NAME, sha256Of(CONTENT))).toEqual([])
  })
})

describe('clashCandidates', () => {
  it('keeps every name within 255 bytes', () => {
    const stem = '\u{1D11E}'.repeat(62)
    const destination = join(archiveDir, `${stem}.txt`)
    const sha256 = sha256Of(CONTENT)
    const hash8 = sha256.slice(0, 8)

    const candidates = clashCandidates(destination, sha256)

    expect(candidates).toHaveLength(100)
    expect(candidates[0]).toBe(destination)
    expect(basename(candidates[1] as string)).toBe(`${'\u{1D11E}'.repeat(60)}.${hash8}.txt`)
    for (const candidate of candidates.slice(1)) {
      const name = basename(candidate)
      expect(Buffer.byteLength(name), name).toBeLessThanOrEqual(255)
      expect(Buffer.from(name).toString(), name).toBe(name)
      expect(name).toMatch(new RegExp(`^(\u{1D11E})+\\.${hash8}(-\\d+)?\\.txt$`, 'u'))
    }
  })

  it('offers only the name when nothing fits', () => {
    const destination = join(archiveDir, LONG_EXTENSION_NAME)

    expect(clashCandidates(destination, sha256Of(CONTENT))).toEqual([destination])
  })
})

describe('findArchivedCopy', () => {
  it('ignores same name with other content', async () => {
    await writeFile(join(archiveDir, FILE_NAME), 'other content\n')

    expect(await findArchivedCopy(join(archiveDir, FILE_NAME), sha256Of(CONTENT))).toBeNull()
  })
})

describe('removeArchivedSource', () => {
  it('keeps source with other content', async () => {
    const source = join(indexDir, FILE_NAME)
    await writeFile(source, 'new content under the old name\n')

    expect(await removeArchivedSource(source, sha256Of(CONTENT))).toBe('different')
    expect(await readFile(source, 'utf8')).toBe('new content under the old name\n')
  })
})

describe('isTransientCode', () => {
  it('separates retryable from permanent codes', () => {
    for (const code of ['EBUSY', 'EPERM', 'EAGAIN', 'EMFILE', 'ENFILE', 'ENOSPC', 'ETIMEDOUT']) {
      expect(isTransientCode(code), code).toBe(true)
    }
    for (const code of ['SOURCE_CHANGED', 'SOURCE_MISSING', 'EROFS', 'ENOTDIR', 'EACCES']) {
      expect(isTransientCode(code), code).toBe(false)
    }
  })
})
