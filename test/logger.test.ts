import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger, escapeLogText, logFilePath } from '../main/core/logger'
import { FsFaults } from './helpers/fs-faults'
import { waitUntil } from './helpers/wait'

describe('createLogger', () => {
  let faults: FsFaults
  let dataDir: string

  beforeEach(async () => {
    faults = new FsFaults()
    dataDir = await faults.tempDir('pui-logger')
  })
  afterEach(() => faults.cleanup())

  it('keeps a hostile file name on one line', async () => {
    const logger = createLogger(dataDir)
    const name = 'acme_stmt_20261130_1\n[2026-01-01 00:00:00.000] [error] [core] forged\r\u001b[2J.txt'

    logger.info(`job J000001: detected ${name}`)
    logger.error(new Error('cannot read\n  the file'))
    const path = logFilePath(dataDir)
    await waitUntil(() => existsSync(path) && readFileSync(path, 'utf8').includes('cannot read'), 'the error line in the log file')

    const lines = (await readFile(path, 'utf8')).split('\n')
    expect(lines[0]).toMatch(/^\[[\d-]+ [\d:.]+\] \[info\]\s+\[core\] job J000001: detected acme_stmt_20261130_1\\x0a\[2026-01-01/)
    expect(lines[0]).toContain('forged\\x0d\\x1b[2J.txt')
    expect(lines.filter((line) => line.includes('forged'))).toHaveLength(1)
    expect(lines.some((line) => line.startsWith('[2026-01-01 00:00:00.000]'))).toBe(false)
  })
})

describe('escapeLogText', () => {
  it('keeps indented continuation lines', () => {
    expect(escapeLogText('Error: failed\n    at main (file.ts:1:1)')).toBe('Error: failed\n    at main (file.ts:1:1)')
    expect(escapeLogText('tab\tstays')).toBe('tab\tstays')
    expect(escapeLogText('a\nb\u0000c\u007f')).toBe('a\\x0ab\\x00c\\x7f')
  })
})
