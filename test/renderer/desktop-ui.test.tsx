// @vitest-environment jsdom
import { act, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { FAKE_STATUS, createFakeApi, makeRow, renderApp, useFixedLayout } from './fake-api'

const ACKNOWLEDGED_AT = '2026-12-01T09:00:00.000Z'
const ROWS = [
  makeRow({ id: 'J000001', archivalStatus: 'BACKUP_FAILURE', errorMessage: 'EROFS' }),
  makeRow({ id: 'J000002', archivalStatus: 'BACKUP_FAILURE', errorMessage: 'EROFS', failureAcknowledgedAt: ACKNOWLEDGED_AT }),
  makeRow({ id: 'J000003', archivalStatus: 'BACKED_UP' }),
]

function rowOf(id: string): HTMLElement {
  const row = document.getElementById(`job-row-${id}`)
  if (!row) throw new Error(`row ${id} is not rendered`)
  return row
}

describe('failure acknowledgement', () => {
  useFixedLayout()

  it('marks acknowledged failures, still red', async () => {
    const { api } = createFakeApi(ROWS)
    renderApp(api)
    await screen.findByText('acme_stmt_20261130_J000002.txt')

    const acknowledgedCell = rowOf('J000002').querySelector('.action-cell')
    const openCell = rowOf('J000001').querySelector('.action-cell')

    expect(acknowledgedCell?.className).toContain('action-cell--error')
    expect(acknowledgedCell?.textContent).toContain('Backup failed')
    expect(acknowledgedCell?.textContent).toContain('Acknowledged')
    expect(openCell?.className).toContain('action-cell--error')
    expect(openCell?.textContent).not.toContain('Acknowledged')
    expect(rowOf('J000003').textContent).not.toContain('Acknowledged')
  })

  it('acknowledges from the details panel', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    renderApp(api, '?job=J000001')
    const details = await screen.findByRole('complementary', { name: 'Details of job J000001' })

    const button = await within(details).findByRole('button', { name: 'Acknowledge the backup failure of acme_stmt_20261130_J000001.txt' })
    button.focus()
    await user.keyboard('{Enter}')

    expect(api.acknowledgeFailure).toHaveBeenCalledWith('J000001')
    expect(await within(details).findByText(/Acknowledged/)).toBeTruthy()
    expect(within(details).queryByRole('button', { name: /Acknowledge the backup failure/ })).toBeNull()
    expect(within(details).getByRole('button', { name: 'Retry backup for acme_stmt_20261130_J000001.txt' })).toBeTruthy()
  })

  it('acknowledges failures within the filters', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    api.acknowledgeFailures.mockResolvedValueOnce({ acknowledged: 1 })
    renderApp(api, '?q=acme')
    await screen.findByText('acme_stmt_20261130_J000001.txt')

    await user.click(screen.getByRole('button', { name: 'Acknowledge failures' }))

    expect(api.acknowledgeFailures).toHaveBeenCalledWith(expect.objectContaining({ text: 'acme' }))
    expect(await screen.findByText('Acknowledged 1 backup failure')).toBeTruthy()
  })

  it('disables bulk acknowledge outside failures', async () => {
    const { api } = createFakeApi(ROWS)
    renderApp(api, '?archival=BACKED_UP')
    await screen.findByText('acme_stmt_20261130_J000003.txt')

    expect((screen.getByRole('button', { name: 'Acknowledge failures' }) as HTMLButtonElement).disabled).toBe(true)
  })
})

describe('desktop settings view', () => {
  useFixedLayout()

  it('hides desktop settings in serve mode', async () => {
    const { api } = createFakeApi([])
    renderApp(api, '?view=settings')
    await screen.findByLabelText('Index folder')

    expect(screen.queryByRole('checkbox', { name: /Close to tray/ })).toBeNull()
    expect(screen.queryByRole('checkbox', { name: /Start PUI Monitor when I log in/ })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Choose index folder…' })).toBeNull()
    // jsdom has no Notification, so serve mode explains that in place of the permission button.
    expect(screen.getByText(/cannot show desktop notifications/)).toBeTruthy()
  })

  it('saves tray and login choices', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    api.getStatus.mockResolvedValue({ ...FAKE_STATUS, desktop: true })
    renderApp(api, '?view=settings')

    await user.click(await screen.findByRole('checkbox', { name: /Close to tray/ }))
    await user.click(screen.getByRole('checkbox', { name: /Start PUI Monitor when I log in/ }))
    await user.click(screen.getByRole('button', { name: 'Save' }))

    expect(api.updateSettings).toHaveBeenCalledWith({ closeToTray: false, startAtLogin: true })
    expect(screen.queryByText(/desktop notifications/)).toBeNull()
  })

  it('fills a folder from the picker', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    api.getStatus.mockResolvedValue({ ...FAKE_STATUS, desktop: true })
    api.chooseFolder.mockResolvedValueOnce('/home/ada/Documents/drop').mockResolvedValueOnce(null)
    renderApp(api, '?view=settings')

    await user.click(await screen.findByRole('button', { name: 'Choose index folder…' }))
    await waitFor(() => expect((screen.getByLabelText('Index folder') as HTMLInputElement).value).toBe('/home/ada/Documents/drop'))
    await user.click(screen.getByRole('button', { name: 'Choose archive folder…' }))
    await user.click(screen.getByRole('button', { name: 'Save' }))

    expect(api.chooseFolder.mock.calls).toEqual([['index'], ['archive']])
    expect(api.updateSettings).toHaveBeenCalledWith({ indexDir: '/home/ada/Documents/drop' })
  })
})

describe('desktop notification clicks', () => {
  useFixedLayout()

  it('opens the job of a clicked notice', async () => {
    const { api, emit } = createFakeApi(ROWS)
    renderApp(api, '?view=report')
    await screen.findByRole('heading', { name: 'Accounting report' })

    act(() => emit({ type: 'notice-opened', notice: { kind: 'single', failure: 'backup', jobId: 'J000001', title: 't', body: 'b' } }))

    expect(await screen.findByRole('complementary', { name: 'Details of job J000001' })).toBeTruthy()
    expect(new URLSearchParams(window.location.search).get('job')).toBe('J000001')
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('opens failures of a clicked summary', async () => {
    const { api, emit } = createFakeApi(ROWS)
    renderApp(api, '?view=settings')
    await screen.findByLabelText('Index folder')

    act(() => emit({ type: 'notice-opened', notice: { kind: 'summary', failure: 'backup', count: 3, title: '3 backups failed', body: 'b' } }))

    await waitFor(() => expect(new URLSearchParams(window.location.search).get('archival')).toBe('BACKUP_FAILURE'))
    expect(new URLSearchParams(window.location.search).get('view')).toBeNull()
  })
})
