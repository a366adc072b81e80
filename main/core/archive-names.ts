import { createHash, randomBytes } from 'node:crypto'
import { basename, dirname, extname, join } from 'node:path'

/**
 * Maximum file name length in bytes that ext4, XFS, Btrfs, tmpfs and APFS accept (NAME_MAX). NTFS counts 255 UTF-16
 * code units, and no name has more UTF-16 code units than UTF-8 bytes, so a name within this limit fits there too.
 */
export const NAME_MAX_BYTES = 255

/** Suffix of the temporary copy written next to its destination before it is put into place. */
export const TEMP_SUFFIX = '.pui-tmp'

/** Clash names tried (`<stem>.<hash>-N<ext>`) before a backup gives up with `TOO_MANY_CLASHES`. */
export const MAX_CLASH_NAMES = 100

const TEMP_CONTENT_HEX = 12
const TEMP_NAME_HEX = 8
const TEMP_TOKEN_BYTES = 6

/** Returns the length of a file name in UTF-8 bytes, the unit of NAME_MAX. */
export function nameBytes(name: string): number {
  return Buffer.byteLength(name, 'utf8')
}

/**
 * Returns a new temporary name for a copy of `fileName` with content `sha256`:
 * `.pui-<first 12 hex of sha256>-<8 hex of the file name's SHA-256>-<random token>.pui-tmp`, always 47 bytes, so
 * a file name of any length gets a temporary name that fits. When the content hash is not known before the copy
 * (a move across file systems), `move` replaces the 12 hex.
 */
export function tempNameFor(fileName: string, sha256: string | null): string {
  const content = sha256 === null ? 'move' : sha256.slice(0, TEMP_CONTENT_HEX)
  const token = randomBytes(TEMP_TOKEN_BYTES).toString('hex')
  return `.pui-${content}-${fileNameHash(fileName)}-${token}${TEMP_SUFFIX}`
}

/**
 * Returns true when `name` is a temporary name that `tempNameFor(fileName, sha256)` makes, or one in the earlier
 * form `.<fileName>.<random token>.pui-tmp`, which copies made by older versions may have left behind. A null
 * `sha256` matches the names of moves across file systems.
 */
export function isTempNameFor(name: string, fileName: string, sha256: string | null): boolean {
  const content = sha256 === null ? 'move' : sha256.slice(0, TEMP_CONTENT_HEX)
  const prefixes = [`.pui-${content}-${fileNameHash(fileName)}-`, `.${fileName}.`]
  return prefixes.some((prefix) => {
    if (!name.startsWith(prefix) || !name.endsWith(TEMP_SUFFIX)) return false
    return /^[0-9a-f]+$/.test(name.slice(prefix.length, -TEMP_SUFFIX.length))
  })
}

/**
 * Returns the names tried for `destinationPath` in order: itself, `<stem>.<hash8><ext>`, then `-2`, `-3`... A clash
 * name longer than NAME_MAX_BYTES keeps its extension and hash suffix and loses characters from the end of the
 * stem. When not even one character of the stem fits beside them, only `destinationPath` is returned.
 */
export function clashCandidates(destinationPath: string, sha256: string): string[] {
  const folder = dirname(destinationPath)
  const extension = extname(destinationPath)
  const stem = basename(destinationPath, extension)
  const hash8 = sha256.slice(0, 8)

  const names = [destinationPath]
  for (let n = 1; names.length < MAX_CLASH_NAMES; n += 1) {
    const suffix = n === 1 ? `.${hash8}` : `.${hash8}-${n}`
    const name = fitClashName(stem, suffix, extension)
    if (name === null) break
    names.push(join(folder, name))
  }
  return names
}

/** Returns `<stem><suffix><extension>`, shortening the stem at a character boundary to fit, or null if it cannot. */
function fitClashName(stem: string, suffix: string, extension: string): string | null {
  const room = NAME_MAX_BYTES - nameBytes(suffix) - nameBytes(extension)
  let shortStem = ''
  let shortStemBytes = 0

  // Iterating the string yields whole code points, so a multi-byte character is never cut in half.
  for (const character of stem) {
    const bytes = nameBytes(character)
    if (shortStemBytes + bytes > room) break
    shortStem += character
    shortStemBytes += bytes
  }

  if (shortStem === '') return null
  return `${shortStem}${suffix}${extension}`
}

function fileNameHash(fileName: string): string {
  return createHash('sha256').update(fileName).digest('hex').slice(0, TEMP_NAME_HEX)
}
