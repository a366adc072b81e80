import { createHash } from 'node:crypto'
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import PQueue from 'p-queue'

/**
 * Archives every file of `indexDir` at the file-system floor: per file, read it, hash it with SHA-256, write a copy
 * under a temporary name, fsync it, rename it into place and remove the source, with `concurrency` files at a time.
 * There is no parsing and no store.
 */
export async function copyFloor(indexDir: string, archiveDir: string, concurrency: number): Promise<void> {
  await mkdir(archiveDir, { recursive: true })
  const queue = new PQueue({ concurrency })
  for (const name of await readdir(indexDir)) {
    void queue.add(async () => {
      const source = join(indexDir, name)
      const content = await readFile(source)
      createHash('sha256').update(content).digest('hex')
      const temporary = join(archiveDir, `.${name}.tmp`)
      const handle = await open(temporary, 'w')
      try {
        await handle.writeFile(content)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temporary, join(archiveDir, name))
      await unlink(source)
    })
  }
  await queue.onIdle()
}
