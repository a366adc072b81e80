// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { JobQuery } from '../../shared/api'
import type { Job } from '../../shared/job'
import { createFakeApi, makeJob, makeRow, renderApp, useFixedLayout } from './fake-api'

const ROWS = [
  makeRow({ id: 'J000001', client: 'acme', status: 'SUCCESS', archivalStatus: 'BACKED_UP' }),
  makeRow({ id: 'J000002', client: 'acme', status: 'FAILED', archivalStatus: 'NOT_REQUIRED', errorMessage: 'no job type' }),
  makeRow({ id: 'J000003', client: 'beta', status: 'WARNING', archivalStatus: 'BACKUP_FAILURE', errorMessage: 'EACCES' }),
  makeRow({ id: 'J000004', client: 'beta', status: 'RUNNING', archivalStatus: 'PENDING', progress: 0.4 }),
]

function lastQuery(calls: [JobQuery][]): JobQuery {
  const call = calls.at(-1)
  if (!call) throw new Error('listJobs was never called')
  return call[0]
}

function gridQueries(calls: [JobQuery][]): JobQuery[] {
  return calls.map(([query]) => query).filter((query) => query.limit !== 1)
}

function rowOf(id: string): HTMLElement {
  const row = document.getElementById(`job-row-${id}`)
  if (!row) throw new Error(`row ${id} is not rendered`)
  return row
}

describe('job grid', () => {
  useFixedLayout()

  it('lists jobs from the first page', async () => {
    const { api } = createFakeApi(ROWS)
    renderApp(api)

    expect(await screen.findByText('acme_stmt_20261130_J000004.txt')).toBeTruthy()
    expect(screen.getAllByRole('row')).toHaveLength(ROWS.length + 1)
    expect(gridQueries(api.listJobs.mock.calls)[0]).toEqual({ offset: 0, limit: 200 })
    expect(screen.getByRole('progressbar', { name: 'Progress of acme_stmt_20261130_J000004.txt' })).toBeTruthy()
  })

  it('sends filters to api and URL', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    renderApp(api, '?token=secret')
    await screen.findByText('acme_stmt_20261130_J000001.txt')

    const statusGroup = screen.getByRole('group', { name: 'Status' })
    await user.click(within(statusGroup).getByRole('checkbox', { name: 'Failed' }))
    await waitFor(() => expect(lastQuery(api.listJobs.mock.calls).status).toEqual(['FAILED']))
    expect(window.location.search).toContain('status=FAILED')
    expect(window.location.search).toContain('token=secret')

    await user.type(screen.getByRole('searchbox', { name: 'Search file name, client or job id' }), 'acme')
    await waitFor(() => expect(lastQuery(api.listJobs.mock.calls)).toMatchObject({ text: 'acme', status: ['FAILED'] }))
    expect(new URLSearchParams(window.location.search).get('q')).toBe('acme')

    await user.click(screen.getByRole('checkbox', { name: 'Failures only' }))
    await waitFor(() => expect(lastQuery(api.listJobs.mock.calls).failuresOnly).toBe(true))
    expect(new URLSearchParams(window.location.search).get('failures')).toBe('1')

    expect(await screen.findByText('1 matching job')).toBeTruthy()
    expect(screen.queryByText('acme_stmt_20261130_J000001.txt')).toBeNull()
  })

  it('applies URL state on load', async () => {
    const { api } = createFakeApi(ROWS)
    renderApp(api, '?archival=BACKUP_FAILURE&sort=client:desc&job=J000003')

    expect(await screen.findByRole('complementary', { name: 'Details of job J000003' })).toBeTruthy()
    expect(gridQueries(api.listJobs.mock.calls)[0]).toEqual({
      archivalStatus: ['BACKUP_FAILURE'],
      sort: { column: 'client', direction: 'desc' },
      offset: 0,
      limit: 200,
    })
    expect(api.getJob).toHaveBeenCalledWith('J000003')
    await waitFor(() => expect(rowOf('J000003').getAttribute('aria-selected')).toBe('true'))
  })

  it('sets filters from counts bar', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    renderApp(api, '?q=acme')
    const counts = screen.getByRole('group', { name: 'Job counts' })

    const backupFailures = await within(counts).findByRole('button', { name: 'Backup failures 1' })
    await user.click(backupFailures)

    await waitFor(() => expect(lastQuery(api.listJobs.mock.calls)).toEqual({ archivalStatus: ['BACKUP_FAILURE'], offset: 0, limit: 200 }))
    expect(new URLSearchParams(window.location.search).get('archival')).toBe('BACKUP_FAILURE')
    expect(new URLSearchParams(window.location.search).get('q')).toBeNull()
    expect(within(counts).getByRole('button', { name: 'Backup failures 1' }).getAttribute('aria-pressed')).toBe('true')

    await user.click(within(counts).getByRole('button', { name: 'Failed 1' }))
    await waitFor(() => expect(lastQuery(api.listJobs.mock.calls).status).toEqual(['FAILED']))

    await user.click(within(counts).getByRole('button', { name: 'Total 4' }))
    await waitFor(() => expect(lastQuery(api.listJobs.mock.calls)).toEqual({ offset: 0, limit: 200 }))
  })

  it('sorts through the column headers', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    renderApp(api)
    await screen.findByText('acme_stmt_20261130_J000001.txt')

    await user.click(screen.getByRole('button', { name: 'Client' }))

    await waitFor(() => expect(lastQuery(api.listJobs.mock.calls).sort).toEqual({ column: 'client', direction: 'asc' }))
    expect(new URLSearchParams(window.location.search).get('sort')).toBe('client:asc')
    expect(screen.getByRole('columnheader', { name: /Client/ }).getAttribute('aria-sort')).toBe('ascending')
  })

  it('moves selection with the keyboard', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    renderApp(api)
    await screen.findByText('acme_stmt_20261130_J000001.txt')
    const grid = screen.getByRole('grid', { name: 'Jobs' })

    grid.focus()
    await user.keyboard('{ArrowDown}')
    expect(rowOf('J000001').getAttribute('aria-selected')).toBe('true')
    expect(grid.getAttribute('aria-activedescendant')).toBe('job-row-J000001')

    await user.keyboard('{ArrowDown}{ArrowDown}')
    expect(rowOf('J000003').getAttribute('aria-selected')).toBe('true')
    expect(rowOf('J000001').getAttribute('aria-selected')).toBe('false')
    expect(new URLSearchParams(window.location.search).get('job')).toBe('J000003')

    await user.keyboard('{ArrowUp}')
    expect(rowOf('J000002').getAttribute('aria-selected')).toBe('true')
    await user.keyboard('{End}')
    expect(rowOf('J000004').getAttribute('aria-selected')).toBe('true')
    await user.keyboard('{Home}')
    expect(rowOf('J000001').getAttribute('aria-selected')).toBe('true')

    expect(screen.queryByRole('complementary', { name: /Details of job/ })).toBeNull()
    await user.keyboard('{Enter}')
    expect(await screen.findByRole('complementary', { name: 'Details of job J000001' })).toBeTruthy()

    await user.keyboard('{Escape}')
    expect(screen.queryByRole('complementary', { name: /Details of job/ })).toBeNull()
  })

  it('retries the selected job with r', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    renderApp(api, '?job=J000002')
    await screen.findByText('acme_stmt_20261130_J000002.txt', { selector: '.cell-text' })
    const grid = screen.getByRole('grid', { name: 'Jobs' })
    grid.focus()

    await user.keyboard('r')
    expect(api.retryBackup).not.toHaveBeenCalled()

    await user.keyboard('{ArrowDown}{Control>}r{/Control}')
    expect(api.retryBackup).not.toHaveBeenCalled()

    await user.keyboard('r')
    await waitFor(() => expect(api.retryBackup).toHaveBeenCalledWith('J000003'))
    expect(api.retryBackup).toHaveBeenCalledTimes(1)
  })

  it('shows retry progress and the result', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    let finish: (job: Job) => void = () => undefined
    api.retryBackup.mockImplementationOnce(() => new Promise<Job>((resolve) => (finish = resolve)))
    renderApp(api)
    const button = await screen.findByRole('button', { name: 'Retry backup for acme_stmt_20261130_J000003.txt' })

    await user.click(button)
    expect(button.textContent).toBe('Retrying…')
    expect(button.hasAttribute('disabled')).toBe(true)

    const backedUp = makeJob(ROWS[2] ?? makeRow({ id: 'J000003' }), { archivalStatus: 'BACKED_UP', archivePath: '/srv/archive/beta/x.txt' })
    await act(async () => finish(backedUp))

    const cell = button.closest('[role="gridcell"]')
    expect(button.textContent).toBe('Retry backup')
    expect(button.hasAttribute('disabled')).toBe(true)
    expect(cell?.classList.contains('action-cell--error')).toBe(false)
    expect(rowOf('J000003').querySelector('[data-column="archivalStatus"]')?.textContent).toContain('Backed up')
  })

  it('reports a failed retry call in a banner', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(ROWS)
    api.retryBackup.mockRejectedValueOnce(new Error('job J000003 is already being backed up'))
    renderApp(api)

    await user.click(await screen.findByRole('button', { name: 'Retry backup for acme_stmt_20261130_J000003.txt' }))

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Retry backup for acme_stmt_20261130_J000003.txt failed')
    expect(alert.textContent).toContain('already being backed up')
    await user.click(within(alert).getByRole('button', { name: /^Dismiss/ }))
    expect(screen.queryByRole('alert')).toBeNull()
  })

  it('renders hostile file names as text', async () => {
    const user = userEvent.setup()
    const hostile = '<img src=x onerror=alert(1)>.txt'
    const { api } = createFakeApi([makeRow({ id: 'J000009', fileName: hostile, errorMessage: '<b>bold</b>' })])
    const { container } = renderApp(api)

    expect(await screen.findByText(hostile)).toBeTruthy()
    await user.click(screen.getByText(hostile))
    await screen.findByRole('complementary', { name: 'Details of job J000009' })

    expect(container.querySelector('img')).toBeNull()
    expect(container.querySelector('b')).toBeNull()
    expect(screen.getAllByText(hostile).length).toBeGreaterThanOrEqual(2)
  })

  it('updates rows in place on events', async () => {
    const { api, state, emit } = createFakeApi(ROWS)
    renderApp(api, '?job=J000001')
    await screen.findByText('acme_stmt_20261130_J000001.txt', { selector: '.cell-text' })
    const before = api.listJobs.mock.calls.length

    const failed = { ...ROWS[0], ...makeRow({ id: 'J000001', archivalStatus: 'BACKUP_FAILURE' }) }
    state.rows = [failed, ...ROWS.slice(1), makeRow({ id: 'J000005' })]
    act(() => emit({ type: 'jobs-changed', rows: [failed] }))

    expect(rowOf('J000001').querySelector('[data-column="archivalStatus"]')?.textContent).toContain('Backup failure')
    expect(rowOf('J000001').getAttribute('aria-selected')).toBe('true')
    expect(await screen.findByText('acme_stmt_20261130_J000005.txt')).toBeTruthy()
    expect(api.listJobs.mock.calls.length).toBeGreaterThan(before)
    expect(rowOf('J000001').getAttribute('aria-selected')).toBe('true')
    expect(screen.getByText('5 matching jobs')).toBeTruthy()
  })

  it('shows where to drop files', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi([])
    renderApp(api)

    expect(await screen.findByRole('heading', { name: 'No jobs yet' })).toBeTruthy()
    expect(await screen.findByText('/srv/pui/index', { selector: '.empty-state code' })).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'Load sample files' }))

    expect(api.loadSampleFiles).toHaveBeenCalledTimes(1)
    expect(await screen.findByText('Wrote 6 sample files to the index folder')).toBeTruthy()
    const loaded = screen.getByRole('button', { name: 'Sample files loaded' })
    expect(loaded.hasAttribute('disabled')).toBe(true)
    await user.click(loaded)
    expect(api.loadSampleFiles).toHaveBeenCalledTimes(1)
  })

  it('opens the job from a notice', async () => {
    const user = userEvent.setup()
    const { api, emit } = createFakeApi(ROWS)
    renderApp(api)
    await screen.findByText('acme_stmt_20261130_J000001.txt')

    act(() => emit({ type: 'backup-failed', rows: [ROWS[2] ?? makeRow({ id: 'J000003' })] }))

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Backup failed: acme_stmt_20261130_J000003.txt')
    expect(alert.textContent).toContain('EACCES')
    await user.click(within(alert).getByRole('button', { name: 'Show job' }))

    expect(new URLSearchParams(window.location.search).get('job')).toBe('J000003')
    expect(await screen.findByRole('complementary', { name: 'Details of job J000003' })).toBeTruthy()
    expect(screen.getByRole('alert')).toBe(alert)
  })

  it('opens failures from a summary', async () => {
    const user = userEvent.setup()
    const { api, emit } = createFakeApi(ROWS)
    renderApp(api, '?q=acme&view=report')
    await screen.findByRole('heading', { name: 'Accounting report' })

    const burst = ['J000011', 'J000012', 'J000013'].map((id) => makeRow({ id, archivalStatus: 'BACKUP_FAILURE' }))
    act(() => emit({ type: 'backup-failed', rows: burst }))

    const alert = await screen.findByRole('alert')
    expect(within(alert).getByText('3 backups failed')).toBeTruthy()
    await user.click(within(alert).getByRole('button', { name: 'Show failures' }))

    const parameters = new URLSearchParams(window.location.search)
    expect(parameters.get('archival')).toBe('BACKUP_FAILURE')
    expect(parameters.get('q')).toBeNull()
    expect(parameters.get('view')).toBeNull()
    await waitFor(() => expect(lastQuery(api.listJobs.mock.calls)).toEqual({ archivalStatus: ['BACKUP_FAILURE'], offset: 0, limit: 200 }))
  })

  it('opens details by clicking a row', async () => {
    const { api } = createFakeApi(ROWS)
    renderApp(api)

    fireEvent.click(await screen.findByText('acme_stmt_20261130_J000002.txt'))

    expect(await screen.findByRole('complementary', { name: 'Details of job J000002' })).toBeTruthy()
    expect(rowOf('J000002').getAttribute('aria-selected')).toBe('true')
  })
})

describe('job grid paging', () => {
  useFixedLayout(680)
  const many = Array.from({ length: 1_000 }, (_, index) => makeRow({ id: `J${String(index + 1).padStart(6, '0')}` }))

  it('loads blocks scrolled into view', async () => {
    const { api } = createFakeApi(many)
    renderApp(api)
    await screen.findByText('acme_stmt_20261130_J000001.txt')
    const grid = screen.getByRole('grid', { name: 'Jobs' })

    expect(grid.getAttribute('aria-rowcount')).toBe('1001')
    expect(screen.getAllByRole('row').length).toBeLessThan(60)

    grid.scrollTop = 600 * 34
    fireEvent.scroll(grid)

    expect(await screen.findByText('acme_stmt_20261130_J000601.txt')).toBeTruthy()
    expect(gridQueries(api.listJobs.mock.calls).map((query) => query.offset)).toEqual([0, 400, 600])
    expect(screen.queryByText('acme_stmt_20261130_J000001.txt')).toBeNull()
  })

  it('selects the last row with End', async () => {
    const user = userEvent.setup()
    const { api } = createFakeApi(many)
    renderApp(api)
    await screen.findByText('acme_stmt_20261130_J000001.txt')

    screen.getByRole('grid', { name: 'Jobs' }).focus()
    await user.keyboard('{End}')

    await waitFor(() => expect(new URLSearchParams(window.location.search).get('job')).toBe('J001000'))
    expect(gridQueries(api.listJobs.mock.calls).map((query) => query.offset)).toContain(800)
  })
})
