import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { BenchArgsError, FIGURE_SCRIPTS, isSmokeRun, parseBenchArgs, sized } from '../bench/lib/args'
import { FIGURE_IDS, formatFigure, percentile, verdictOf, type Figure } from '../bench/lib/figure'

describe('parseBenchArgs', () => {
  it('runs every figure by default', () => {
    expect(parseBenchArgs([])).toEqual({ smoke: false, ids: [...FIGURE_IDS] })
  })

  it('keeps the chosen figures in order', () => {
    expect(parseBenchArgs(['p5', 'P3', 'P5']).ids).toEqual(['P3', 'P5'])
  })

  it('reads the smoke flag', () => {
    expect(parseBenchArgs(['--smoke', 'P1'])).toEqual({ smoke: true, ids: ['P1'] })
  })

  it('rejects an unknown figure', () => {
    expect(() => parseBenchArgs(['P8'])).toThrow(BenchArgsError)
    expect(() => parseBenchArgs(['P8'])).toThrow(/unknown argument "P8".*P1, P2/)
  })
})

describe('sized', () => {
  it('picks the smoke size with --smoke', () => {
    expect(sized(2_000, 20, ['node', 'p1.ts', '--smoke'])).toBe(20)
    expect(isSmokeRun(['node', 'p1.ts', '--smoke'])).toBe(true)
  })

  it('picks the full size otherwise', () => {
    expect(sized(2_000, 20, ['node', 'p1.ts'])).toBe(2_000)
  })
})

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 20 }, (_, index) => 20 - index)

    expect(percentile(values, 0.5)).toBe(10)
    expect(percentile(values, 0.95)).toBe(19)
    expect(percentile(values, 1)).toBe(20)
  })

  it('rejects an empty series', () => {
    expect(() => percentile([], 0.5)).toThrow(/no values/)
  })
})

describe('formatFigure', () => {
  const figure: Figure = {
    id: 'P3',
    title: 'one large file',
    baseline: 'stream read + SHA-256: 400 ms',
    raw: [['monitor', '1000 ms']],
    targets: [
      { name: 'time vs baseline', value: 2.5, limit: 3, unit: 'x' },
      { name: 'peak RSS', value: 180, limit: 150, unit: 'MB' },
    ],
    notes: ['noisy machine'],
  }

  it('marks each target PASS or MISS', () => {
    expect(verdictOf(figure.targets[0]!)).toBe('PASS')
    expect(verdictOf(figure.targets[1]!)).toBe('MISS')
  })

  it('prints baseline, raw figures and verdicts', () => {
    const lines = formatFigure(figure).split('\n')

    expect(lines[0]).toBe('P3  one large file')
    expect(lines).toContain('    baseline: stream read + SHA-256: 400 ms')
    expect(lines).toContain('    monitor: 1000 ms')
    expect(lines).toContain('    target time vs baseline <= 3.00x: 2.50x  PASS')
    expect(lines).toContain('    target peak RSS <= 150 MB: 180 MB  MISS')
    expect(lines).toContain('    note: noisy machine')
  })
})

describe('FIGURE_SCRIPTS', () => {
  it('names an existing script per figure', () => {
    for (const id of FIGURE_IDS) expect(existsSync(FIGURE_SCRIPTS[id]), `${id}: ${FIGURE_SCRIPTS[id]}`).toBe(true)
  })
})
