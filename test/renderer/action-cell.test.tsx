// @vitest-environment jsdom
import { screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { ARCHIVAL_STATUSES, JOB_STATUSES } from '../../shared/status'
import { archivalStatusLook, jobStatusLook } from '../../renderer/jobs/StatusBadge'
import { createFakeApi, makeRow, renderApp, useFixedLayout } from './fake-api'

function columnCell(row: HTMLElement, column: string): HTMLElement {
  const cell = row.querySelector<HTMLElement>(`[data-column="${column}"]`)
  if (!cell) throw new Error(`the row has no ${column} cell`)
  return cell
}

const PAIRS = JOB_STATUSES.flatMap((status) => ARCHIVAL_STATUSES.map((archivalStatus) => ({ status, archivalStatus })))

describe('action cell', () => {
  useFixedLayout(3_000)

  it.each(PAIRS)('shows $status with $archivalStatus', async ({ status, archivalStatus }) => {
    const fileName = `acme_stmt_20261130_${status}_${archivalStatus}.txt`
    const { api } = createFakeApi([makeRow({ id: 'J000001', fileName, status, archivalStatus })])
    renderApp(api)

    const button = await screen.findByRole('button', { name: `Retry backup for ${fileName}` })
    const cell = button.closest('[role="gridcell"]')
    const row = button.closest('[role="row"]')
    if (!(cell instanceof HTMLElement) || !(row instanceof HTMLElement)) throw new Error('retry button is outside a grid row')

    const red = status === 'FAILED' || archivalStatus === 'BACKUP_FAILURE'
    expect(cell.classList.contains('action-cell--error')).toBe(red)
    expect(cell.classList.contains('action-cell')).toBe(true)
    expect(button.hasAttribute('disabled')).toBe(archivalStatus !== 'BACKUP_FAILURE')
    const reason = archivalStatus === 'BACKUP_FAILURE' ? 'Backup failed' : 'Failed'
    expect(within(cell).queryByText(reason) !== null).toBe(red)
    expect(cell.dataset.column).toBe('action')
    expect(columnCell(row, 'status').textContent).toContain(jobStatusLook(status).label)
    expect(columnCell(row, 'status').textContent).toContain(jobStatusLook(status).icon)
    expect(columnCell(row, 'archivalStatus').textContent).toContain(archivalStatusLook(archivalStatus).label)
    expect(columnCell(row, 'archivalStatus').textContent).toContain(archivalStatusLook(archivalStatus).icon)
  })

  it('gives every badge text and an icon', () => {
    const looks = [...JOB_STATUSES.map(jobStatusLook), ...ARCHIVAL_STATUSES.map(archivalStatusLook)]

    for (const look of looks) {
      expect(look.label.trim().length).toBeGreaterThan(0)
      expect(look.icon.trim().length).toBeGreaterThan(0)
    }
    expect(new Set(JOB_STATUSES.map((status) => jobStatusLook(status).label)).size).toBe(JOB_STATUSES.length)
    expect(new Set(ARCHIVAL_STATUSES.map((status) => archivalStatusLook(status).label)).size).toBe(ARCHIVAL_STATUSES.length)
  })
})
