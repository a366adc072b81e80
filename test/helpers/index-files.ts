import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** Returns one valid statement record: account, name, date, document file, pages, document type. */
export function statementLine(index: number, pages = 2): string {
  return `${100000 + index}|Customer ${index}|20261130|doc_${index}.pdf|${pages}|ST01`
}

/**
 * Writes an index file with `records` valid statement lines (plus the given bad lines) and returns its path.
 * Files written with different `firstAccount` values have different content, so none is a duplicate.
 */
export async function writeIndexFile(
  folder: string,
  name: string,
  records: number,
  badLines: string[] = [],
  firstAccount = 0,
): Promise<string> {
  const lines = Array.from({ length: records }, (_, index) => statementLine(firstAccount + index))
  const path = join(folder, name)
  await writeFile(path, [...lines, ...badLines].join('\n') + '\n')
  return path
}

export async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}
