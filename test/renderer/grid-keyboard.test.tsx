// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { createFakeApi, makeRow, renderApp, useFixedLayout } from './fake-api'

const ROWS = [
  makeRow({ id: 'J000001', status: 'SUCCESS', archivalStatus: 'BACKED_UP' }),
  makeRow({ id: 'J000002', status: 'FAILED', archivalStatus: 'NOT_REQUIRED', errorMessage: 'no job type' }),
  makeRow({ id: 'J000003', status: 'WARNING', archivalStatus: 'BACKUP_FAILURE', errorMessage: 'EACCES' }),
  makeRow({ id: 'J000004', status: 'SUCCESS', archivalStatus: 'BACKUP_FAILURE', errorMessage: 'EROFS' }),
]

function rowOf(id: string): HTMLElement {
  const row = document.getElementById(`job-row-${id}`)
  if (!row) throw new Error(`row ${id} is not rendered`)
  return row
}

function retryButtonOf(id: string): HTMLElement {
  return within(rowOf(id)).getByRole('button', { name: /^Retry backup for/ })
}

function urlJob(): string | null {
  return new URLSearchParams(window.location.search).get('job')
}

async function openGrid() {
  const { api } = createFakeApi(ROWS)
  renderApp(api, '?token=secret')
  await screen.findByText('acme_stmt_20261130_J000004.txt')
  const grid = screen.getByRole('grid', { name: 'Jobs' })
  grid.focus()
  return { api, grid }
}

describe('job grid keyboard', () => {
  useFixedLayout()

  it('tabs to selected row only', async () => {
    const user = userEvent.setup()
    const { grid } = await openGrid()
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}')

    expect(retryButtonOf('J000003').tabIndex).toBe(0)
    for (const id of ['J000001', 'J000002', 'J000004']) expect(retryButtonOf(id).tabIndex).toBe(-1)

    const stops: Element[] = []
    for (let press = 0; press < 40 && grid.contains(document.activeElement); press++) {
      await user.tab()
      if (document.activeElement?.closest('[role="row"]')?.id.startsWith('job-row-')) stops.push(document.activeElement)
    }
    expect(grid.contains(document.activeElement)).toBe(false)
    expect(stops).toEqual([retryButtonOf('J000003')])
  })

  it('moves focus into opened details', async () => {
    const user = userEvent.setup()
    await openGrid()
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}{Enter}')

    const details = await screen.findByRole('complementary', { name: 'Details of job J000003' })
    expect(document.activeElement).toBe(within(details).getByRole('heading', { level: 2 }))
    await user.tab()
    expect(document.activeElement).toBe(within(details).getByRole('button', { name: 'Close details' }))
  })

  it('returns focus on Escape', async () => {
    const user = userEvent.setup()
    const { grid } = await openGrid()
    await user.keyboard('{ArrowDown}{ArrowDown}{ArrowDown}{Enter}')
    await screen.findByRole('complementary', { name: 'Details of job J000003' })
    expect(urlJob()).toBe('J000003')

    await user.keyboard('{Escape}')

    expect(screen.queryByRole('complementary', { name: /Details of job/ })).toBeNull()
    expect(document.activeElement).toBe(grid)
    expect(urlJob()).toBeNull()
    expect(new URLSearchParams(window.location.search).get('token')).toBe('secret')
    expect(rowOf('J000003').getAttribute('aria-selected')).toBe('true')
    expect(grid.getAttribute('aria-activedescendant')).toBe('job-row-J000003')

    await user.keyboard('{ArrowDown}')
    expect(rowOf('J000004').getAttribute('aria-selected')).toBe('true')
    expect(urlJob()).toBe('J000004')
    expect(screen.queryByRole('complementary', { name: /Details of job/ })).toBeNull()
  })

  it('returns focus on Close details', async () => {
    const user = userEvent.setup()
    const { grid } = await openGrid()
    await user.keyboard('{ArrowDown}{Enter}')
    const details = await screen.findByRole('complementary', { name: 'Details of job J000001' })

    await user.click(within(details).getByRole('button', { name: 'Close details' }))

    expect(screen.queryByRole('complementary', { name: /Details of job/ })).toBeNull()
    expect(document.activeElement).toBe(grid)
    expect(urlJob()).toBeNull()
    expect(rowOf('J000001').getAttribute('aria-selected')).toBe('true')
  })

  it('acknowledges selected failure with a', async () => {
    const user = userEvent.setup()
    const { api } = await openGrid()

    await user.keyboard('{ArrowDown}{ArrowDown}a')
    expect(api.acknowledgeFailure).not.toHaveBeenCalled()

    await user.keyboard('{ArrowDown}{Control>}a{/Control}')
    expect(api.acknowledgeFailure).not.toHaveBeenCalled()

    await user.keyboard('a')
    await waitFor(() => expect(api.acknowledgeFailure).toHaveBeenCalledWith('J000003'))
    expect(api.acknowledgeFailure).toHaveBeenCalledTimes(1)
    expect(await within(rowOf('J000003')).findByText('Acknowledged')).toBeTruthy()
    expect(rowOf('J000003').querySelector('[data-column="action"]')?.classList.contains('action-cell--error')).toBe(true)

    await user.keyboard('a')
    expect(api.acknowledgeFailure).toHaveBeenCalledTimes(1)
  })

  it('reports a failed acknowledgement', async () => {
    const user = userEvent.setup()
    const { api } = await openGrid()
    api.acknowledgeFailure.mockRejectedValueOnce(new Error('job J000004 is no longer in BACKUP_FAILURE'))

    await user.keyboard('{End}a')

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Acknowledging the backup failure of acme_stmt_20261130_J000004.txt failed')
    expect(alert.textContent).toContain('no longer in BACKUP_FAILURE')
  })
})
