import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Folder on a different device from `os.tmpdir()`, used for cross-device moves. */
export const SHARED_MEMORY_DIR = '/dev/shm'

/**
 * Real file-system faults for tests: temporary folders, a small tmpfs, a read-only bind mount. Each fault that
 * cannot be created throws an error naming what is missing, so a test never passes without its fault.
 * `cleanup()` unmounts in reverse order and removes every folder; call it in `afterEach`.
 */
export class FsFaults {
  private readonly mounts: string[] = []
  private readonly folders: string[] = []

  /** Creates an empty folder under `os.tmpdir()`. */
  async tempDir(label = 'pui-test'): Promise<string> {
    const folder = await mkdtemp(join(tmpdir(), `${label}-`))
    this.folders.push(folder)
    return folder
  }

  /** Creates an empty folder under /dev/shm and checks that it is on another device than `os.tmpdir()`. */
  async sharedMemoryDir(label = 'pui-test'): Promise<string> {
    if (!existsSync(SHARED_MEMORY_DIR)) {
      throw new Error(`fault not created: ${SHARED_MEMORY_DIR} is missing, so no cross-device folder exists`)
    }
    const folder = await mkdtemp(join(SHARED_MEMORY_DIR, `${label}-`))
    this.folders.push(folder)
    await expectDifferentDevices(folder, tmpdir())
    return folder
  }

  /** Mounts a tmpfs of `sizeBytes` on a new folder and returns it; writing past the size fails with ENOSPC. */
  async smallTmpfs(sizeBytes: number): Promise<string> {
    const folder = await this.tempDir('pui-tmpfs')
    this.mount(['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', folder], `a ${sizeBytes}-byte tmpfs on ${folder}`)
    return folder
  }

  /** Bind-mounts `source` read-only at a new folder and returns it; writing there fails with EROFS. */
  async readOnlyView(source: string): Promise<string> {
    const folder = await this.tempDir('pui-readonly')
    this.mount(['--bind', source, folder], `a bind mount of ${source} on ${folder}`)
    this.run(['-o', 'remount,ro,bind', folder], `a read-only remount of ${folder}`)

    try {
      await writeFile(join(folder, '.probe'), 'x')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EROFS') return folder
      throw new Error(`fault not created: writing to ${folder} failed with ${(error as Error).message}, not EROFS`)
    }
    throw new Error(`fault not created: ${folder} accepted a write after the read-only remount`)
  }

  /** Bind-mounts `source` at a new folder, writable until `setReadOnly` remounts it. */
  async bindView(source: string): Promise<string> {
    const folder = await this.tempDir('pui-bind')
    this.mount(['--bind', source, folder], `a bind mount of ${source} on ${folder}`)
    return folder
  }

  /** Remounts a bind mount made by `bindView` or `readOnlyView` read-only, or writable again to clear the fault. */
  setReadOnly(folder: string, readOnly: boolean): void {
    const mode = readOnly ? 'ro' : 'rw'
    this.run(['-o', `remount,${mode},bind`, folder], `a ${mode} remount of ${folder}`)
  }

  /** Unmounts every mount (latest first) and removes every folder this instance created. */
  async cleanup(): Promise<void> {
    for (const folder of this.mounts.reverse()) execFileSync('umount', [folder], { stdio: 'pipe' })
    this.mounts.length = 0
    for (const folder of this.folders.reverse()) await rm(folder, { recursive: true, force: true })
    this.folders.length = 0
  }

  private mount(args: string[], description: string): void {
    this.run(args, description)
    this.mounts.push(args[args.length - 1] as string)
  }

  private run(args: string[], description: string): void {
    if (process.getuid?.() !== 0) {
      const uid = process.getuid?.()
      throw new Error(`fault not created: ${description} needs root for mount, and this test runs as uid ${uid}`)
    }
    try {
      execFileSync('mount', args, { stdio: 'pipe' })
    } catch (error) {
      const output = (error as { stderr?: Buffer }).stderr?.toString().trim()
      throw new Error(`fault not created: mount ${args.join(' ')} failed (${output || (error as Error).message})`)
    }
  }
}

/** Throws unless `a` and `b` are on different devices according to `stat().dev`. */
export async function expectDifferentDevices(a: string, b: string): Promise<void> {
  const [first, second] = await Promise.all([stat(a), stat(b)])
  if (first.dev === second.dev) {
    const message = `fault not created: ${a} and ${b} are on the same device (${first.dev}), so no move crosses devices`
    throw new Error(message)
  }
}

/** Writes `content` to `path`, creating its folder, and returns the SHA-256 of the content. */
export async function writeFileWithHash(path: string, content: string | Buffer): Promise<string> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, content)
  return sha256Of(content)
}

/** Returns the SHA-256 (hex) of a string or buffer. */
export function sha256Of(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex')
}

/** Returns the SHA-256 (hex) of a file's content. */
export async function sha256OfFile(path: string): Promise<string> {
  return sha256Of(await readFile(path))
}

/** Lists every file under `folder`, relative to it, sorted; an absent folder lists nothing. */
export async function listFiles(folder: string): Promise<string[]> {
  if (!existsSync(folder)) return []
  const entries = await readdir(folder, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort()
}

/** Returns `size` bytes of varied, printable content, so a truncated copy cannot hash the same. */
export function sampleContent(size: number): Buffer {
  const buffer = Buffer.alloc(size)
  for (let i = 0; i < size; i += 1) buffer[i] = 32 + ((i * 7 + (i >> 8)) % 95)
  return buffer
}
