// @vitest-environment jsdom
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiCallError } from '../../shared/api'
import type { AccountingReportData } from '../../shared/report'
import { createFakeApi, makeRow, renderApp, useFixedLayout } from './fake-api'

const REPORT: AccountingReportData = {
  from: null,
  to: null,
  rows: [
    { client: 'beta', jobType: 'statement', cycleDate: '2026-11-30', jobs: 2, postedJobs: 2, failedJobs: 0, documents: 30, rejectedRecords: 1, pages: 60 },
    { client: 'acme', jobType: 'statement', cycleDate: '2026-11-30', jobs: 3, postedJobs: 2, failedJobs: 1, documents: 20, rejectedRecords: 0, pages: 40 },
    { client: 'acme', jobType: 'notice', cycleDate: '2026-11-29', jobs: 1, postedJobs: 1, failedJobs: 0, documents: 5, rejectedRecords: 0, pages: 5 },
  ],
  totals: { jobs: 6, postedJobs: 5, failedJobs: 1, documents: 55, rejectedRecords: 1, pages: 105 },
}

describe('report view', () => {
  useFixedLayout()
  const { createObjectURL, revokeObjectURL } = URL
  afterEach(() => {
    URL.createObjectURL = createObjectURL
    URL.revokeObjectURL = revokeObjectURL
    vi.restoreAllMocks()
  })

  it('groups rows by client with totals', async () => {
    const { api } = createFakeApi([makeRow({ id: 'J000001' })])
    api.getReport.mockResolvedValue(REPORT)
    renderApp(api, '?view=report')

    const table = await screen.findByRole('table')
    const bodies = within(table).getAllByRole('rowgroup')
    const clients = within(table).getAllByRole('rowheader').map((header) => header.textContent)

    expect(clients).toEqual(['acme', 'Subtotal acme', 'beta', 'Total'])
    expect(bodies).toHaveLength(4)
    expect(within(table).getByRole('row', { name: /^Subtotal acme/ }).textContent).toContain('25')
    expect(within(table).getByRole('row', { name: /^Total/ }).textContent).toContain('105')
    expect(screen.getByText('Backup outcomes never change these figures.')).toBeTruthy()
    expect(screen.getByRole('img', { name: /Jobs and failed jobs per cycle day, 2026-11-29 to 2026-11-30/ })).toBeTruthy()
  })

  it('queries the chosen cycle dates', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    renderApp(api, '?view=report')
    await screen.findByText('No jobs in this cycle-date range.')

    await user.type(screen.getByLabelText('Cycle date from'), '2026-11-01')

    await waitFor(() => expect(api.getReport).toHaveBeenLastCalledWith({ from: '2026-11-01', to: null }))
  })

  it('exports CSV as a download', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    api.exportReportCsv.mockResolvedValue('client,jobType,cycleDate\nacme,statement,2026-11-30\n')
    // jsdom has no object URLs; the test records the blob instead.
    const createObjectURL = vi.fn((_blob: Blob) => 'blob:report')
    URL.createObjectURL = createObjectURL
    URL.revokeObjectURL = vi.fn()
    const clicked: HTMLAnchorElement[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this)
    })
    renderApp(api, '?view=report')

    await user.click(await screen.findByRole('button', { name: 'Export CSV' }))

    await waitFor(() => expect(clicked).toHaveLength(1))
    expect(api.exportReportCsv).toHaveBeenCalledWith({ from: null, to: null })
    expect(clicked[0]?.download).toBe('accounting-report.csv')
    expect(clicked[0]?.href).toBe('blob:report')
    expect(await createObjectURL.mock.calls[0]?.[0].text()).toContain('acme,statement')
  })
})

describe('settings view', () => {
  useFixedLayout()

  it('saves changed fields only', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    renderApp(api, '?view=settings')

    const concurrency = await screen.findByLabelText('Concurrent jobs (jobs)')
    await user.clear(concurrency)
    await user.type(concurrency, '8')
    await user.click(screen.getByRole('checkbox', { name: /Poll the index folder/ }))
    await user.click(screen.getByRole('button', { name: 'Save' }))

    expect(api.updateSettings).toHaveBeenCalledWith({ concurrency: 8, usePolling: true })
    expect(await screen.findByText('Settings saved.')).toBeTruthy()
  })

  it('shows server validation messages', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    api.updateSettings.mockRejectedValueOnce(
      new ApiCallError({ code: 'INVALID_SETTINGS', message: 'archiveDir: /srv/pui/index/arch is inside the index folder' }),
    )
    renderApp(api, '?view=settings')

    const archive = await screen.findByLabelText('Archive folder')
    await user.clear(archive)
    await user.type(archive, '/srv/pui/index/arch')
    await user.click(screen.getByRole('button', { name: 'Save' }))

    expect(api.updateSettings).toHaveBeenCalledWith({ archiveDir: '/srv/pui/index/arch' })
    expect((await screen.findByRole('alert')).textContent).toContain('is inside the index folder')
  })

  it('rejects a number that is not whole', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    renderApp(api, '?view=settings')

    const retries = await screen.findByLabelText('Automatic backup retries (retries)')
    await user.clear(retries)
    await user.type(retries, '2.5')
    await user.click(screen.getByRole('button', { name: 'Save' }))

    expect((await screen.findByRole('alert')).textContent).toContain('Automatic backup retries: "2.5" is not a whole number')
    expect(api.updateSettings).not.toHaveBeenCalled()
  })

  it('pauses and resumes watching', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    renderApp(api, '?view=settings')

    await user.click(await screen.findByRole('button', { name: 'Pause watching' }))
    expect(api.pause).toHaveBeenCalledTimes(1)

    await user.click(await screen.findByRole('button', { name: 'Resume watching' }))
    expect(api.resume).toHaveBeenCalledTimes(1)
    expect(await screen.findByRole('button', { name: 'Pause watching' })).toBeTruthy()
  })

  it('stores the notification level', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    renderApp(api, '?view=settings')

    await user.selectOptions(await screen.findByLabelText('Notify about'), 'Off')

    expect(window.localStorage.getItem('pui-monitor.notification-level')).toBe('off')
  })
})
