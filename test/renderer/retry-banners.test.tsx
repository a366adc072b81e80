// @vitest-environment jsdom
import { act, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import type { Job } from '../../shared/job'
import { createFakeApi, makeJob, makeRow, renderApp, useFixedLayout } from './fake-api'

const FAILED = makeRow({ id: 'J000003', archivalStatus: 'BACKUP_FAILURE', errorMessage: 'EROFS: archive is read-only' })
const FILE_NAME = FAILED.fileName
const AGAIN = 'EROFS: still read-only'

function failedAgain(): Job {
  return makeJob(FAILED, {
    backupAttempts: [{ at: '2026-12-01T09:00:00.000Z', outcome: 'failure', code: 'EROFS', message: AGAIN, durationMs: 5 }],
  })
}

function bannersNaming(fileName: string): HTMLElement[] {
  return [...screen.queryAllByRole('alert'), ...screen.queryAllByRole('status')].filter((banner) =>
    banner.classList.contains('banner') && (banner.textContent ?? '').includes(fileName),
  )
}

describe('retry banners', () => {
  useFixedLayout()

  it('shows one banner when notice follows', async () => {
    const user = userEvent.setup()
    const { api, emit } = createFakeApi([FAILED])
    api.retryBackup.mockResolvedValueOnce(failedAgain())
    renderApp(api)

    await user.click(await screen.findByRole('button', { name: `Retry backup for ${FILE_NAME}` }))
    await waitFor(() => expect(bannersNaming(FILE_NAME)).toHaveLength(1))
    act(() => emit({ type: 'backup-failed', rows: [{ ...FAILED, errorMessage: AGAIN }] }))

    const banners = bannersNaming(FILE_NAME)
    expect(banners).toHaveLength(1)
    expect(banners[0]?.textContent).toContain(AGAIN)
    expect(banners[0]?.textContent).toContain('select Retry backup')
  })

  it('shows one banner when notice comes first', async () => {
    const user = userEvent.setup()
    const { api, emit } = createFakeApi([FAILED])
    let finish: (job: Job) => void = () => undefined
    api.retryBackup.mockImplementationOnce(() => new Promise<Job>((resolve) => (finish = resolve)))
    renderApp(api)

    await user.click(await screen.findByRole('button', { name: `Retry backup for ${FILE_NAME}` }))
    act(() => emit({ type: 'backup-failed', rows: [{ ...FAILED, errorMessage: AGAIN }] }))
    expect(bannersNaming(FILE_NAME)).toHaveLength(1)
    await act(async () => finish(failedAgain()))

    const banners = bannersNaming(FILE_NAME)
    expect(banners).toHaveLength(1)
    expect(banners[0]?.textContent).toContain(`Backup failed again: ${FILE_NAME}`)
    expect(banners[0]?.textContent).toContain(AGAIN)
    expect(banners[0]?.textContent).toContain('select Retry backup')
  })

  it('confirms a successful retry', async () => {
    const user = userEvent.setup()
    const { api, emit } = createFakeApi([FAILED])
    const archivePath = `/srv/archive/acme/2026/11/${FILE_NAME}`
    api.retryBackup.mockResolvedValueOnce(makeJob(FAILED, { archivalStatus: 'BACKED_UP', archivePath }))
    renderApp(api)
    await screen.findByRole('button', { name: `Retry backup for ${FILE_NAME}` })
    act(() => emit({ type: 'backup-failed', rows: [FAILED] }))
    expect(bannersNaming(FILE_NAME)[0]?.getAttribute('role')).toBe('alert')

    await user.click(screen.getByRole('button', { name: `Retry backup for ${FILE_NAME}` }))

    await waitFor(() => expect(bannersNaming(FILE_NAME)[0]?.getAttribute('role')).toBe('status'))
    const banners = bannersNaming(FILE_NAME)
    expect(banners).toHaveLength(1)
    expect(banners[0]?.textContent).toContain(`Backup succeeded: ${FILE_NAME}`)
    expect(banners[0]?.textContent).toContain(archivePath)
  })
})
