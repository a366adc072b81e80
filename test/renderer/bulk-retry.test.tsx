// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { createFakeApi, makeRow, renderApp, useFixedLayout } from './fake-api'

const ROWS = [
  makeRow({ id: 'J000001', client: 'acme', archivalStatus: 'BACKUP_FAILURE' }),
  makeRow({ id: 'J000002', client: 'acme', archivalStatus: 'BACKUP_FAILURE' }),
  makeRow({ id: 'J000003', client: 'acme', archivalStatus: 'BACKUP_FAILURE', status: 'WARNING' }),
  makeRow({ id: 'J000004', client: 'acme', archivalStatus: 'BACKED_UP' }),
  makeRow({ id: 'J000005', client: 'beta', fileName: 'beta_stmt_20261130_1.txt', archivalStatus: 'BACKUP_FAILURE' }),
  makeRow({ id: 'J000006', client: 'beta', fileName: 'beta_stmt_20261130_2.txt', archivalStatus: 'BACKUP_FAILURE' }),
]

describe('bulk retry', () => {
  useFixedLayout()

  it('names N and retries filtered jobs', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    api.retryFailedBackups.mockResolvedValueOnce({ retried: 3, backedUp: 2, stillFailing: 1 })
    renderApp(api, '?q=acme&sort=client:asc')

    await user.click(await screen.findByRole('button', { name: 'Retry failed backups (3)' }))
    const dialog = screen.getByRole('dialog', { name: 'Retry failed backups' })
    expect(dialog.textContent).toContain('the 3 jobs in BACKUP_FAILURE that match the current filters')
    expect(api.listJobs).toHaveBeenCalledWith({ text: 'acme', archivalStatus: ['BACKUP_FAILURE'], limit: 1 })

    await user.click(within(dialog).getByRole('button', { name: 'Retry 3 backups' }))

    expect(api.retryFailedBackups).toHaveBeenCalledTimes(1)
    expect(api.retryFailedBackups).toHaveBeenCalledWith({ text: 'acme' })
    expect(screen.queryByRole('dialog')).toBeNull()
    expect((await screen.findByRole('alert')).textContent).toContain('Retried 3 backups: 2 backed up, 1 still failing')
  })

  it('cancels without retrying', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    renderApp(api)

    const button = await screen.findByRole('button', { name: 'Retry failed backups (5)' })
    await user.click(button)
    await user.keyboard('{Escape}')

    expect(screen.queryByRole('dialog')).toBeNull()
    expect(api.retryFailedBackups).not.toHaveBeenCalled()
    expect(document.activeElement).toBe(button)
  })

  it('counts zero when filters exclude failures', async () => {
    const { api } = createFakeApi(ROWS)
    renderApp(api, '?archival=BACKED_UP')

    const button = await screen.findByRole('button', { name: 'Retry failed backups (0)' })

    expect(button.hasAttribute('disabled')).toBe(true)
    expect(api.listJobs.mock.calls.some(([query]) => query.limit === 1)).toBe(false)
  })

  it('keeps status filters in the count', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    renderApp(api, '?status=WARNING')

    await user.click(await screen.findByRole('button', { name: 'Retry failed backups (1)' }))
    await user.click(screen.getByRole('button', { name: 'Retry 1 backup' }))

    await waitFor(() => expect(api.retryFailedBackups).toHaveBeenCalledWith({ status: ['WARNING'] }))
  })
})
