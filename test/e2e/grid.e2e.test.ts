import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FsFaults } from '../helpers/fs-faults'
import { writeIndexFile } from '../helpers/index-files'
import { launchChromium } from '../helpers/browser'
import { startServe, type ServeProcess } from '../helpers/serve-process'

const ARTIFACTS = 'test-artifacts'
const HTML_VALUE = '<img src=x onerror=alert(1)>'
const HTML_NAME = `${HTML_VALUE}_stmt_20261130_1.txt`

/** Parses `rgb(r, g, b)` as the browser reports computed colours. */
function rgb(color: string): [number, number, number] {
  const parts = color.match(/\d+/g)?.map(Number) ?? []
  return [parts[0] ?? -1, parts[1] ?? -1, parts[2] ?? -1]
}

describe('job grid in Chromium', () => {
  const faults = new FsFaults()
  let archiveSource: string
  let archive: string
  let indexDir: string
  let serve: ServeProcess
  let browser: Browser
  let page: Page
  const dialogs: string[] = []

  function setArchiveWritable(writable: boolean): void {
    execFileSync('mount', ['-o', `remount,${writable ? 'rw' : 'ro'},bind`, archive])
  }

  function row(fileName: string) {
    return page.locator('[role="row"]', { hasText: fileName })
  }

  async function reportCsv(): Promise<string> {
    const response = await fetch(`${serve.origin}/api/report.csv`, { headers: { Authorization: `Bearer ${serve.token}` } })
    expect(response.status).toBe(200)
    return response.text()
  }

  async function archivalOf(fileName: string): Promise<string> {
    const query = encodeURIComponent(JSON.stringify({ text: fileName }))
    const response = await fetch(`${serve.origin}/api/jobs?q=${query}`, { headers: { Authorization: `Bearer ${serve.token}` } })
    const page = (await response.json()) as { rows: { fileName: string; archivalStatus: string; status: string }[] }
    const match = page.rows.find((candidate) => candidate.fileName === fileName)
    return `${match?.status}/${match?.archivalStatus}`
  }

  beforeAll(async () => {
    const root = await faults.tempDir('pui-e2e')
    indexDir = join(root, 'in')
    archiveSource = join(root, 'archive-source')
    archive = join(root, 'archive')
    await mkdir(indexDir)
    await mkdir(archiveSource)
    await mkdir(archive)
    execFileSync('mount', ['--bind', archiveSource, archive])
    await mkdir(ARTIFACTS, { recursive: true })

    serve = await startServe([
      '--index', indexDir, '--archive', archive, '--data', join(root, 'data'),
      '--stability-ms', '100', '--backup-retries', '0', '--sweep-interval-ms', '500',
    ])
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1500, height: 900 } })
    await context.grantPermissions(['notifications'], { origin: serve.origin })
    // Records each desktop notification the page raises, so the test can see it without a notification daemon.
    await context.addInitScript(() => {
      const Original = window.Notification
      const seen: { title: string; body?: string }[] = []
      Object.defineProperty(window, '__puiNotifications', { value: seen })
      class RecordingNotification extends Original {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options)
          seen.push({ title, body: options?.body })
        }
      }
      Object.defineProperty(RecordingNotification, 'permission', { get: () => Original.permission })
      RecordingNotification.requestPermission = Original.requestPermission.bind(Original)
      window.Notification = RecordingNotification as typeof Notification
    })
    page = await context.newPage()
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      void dialog.dismiss()
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await serve?.stop()
    if (existsSync(archive)) execFileSync('umount', [archive])
    await faults.cleanup()
  })

  it('shows the empty state first', async () => {
    await page.goto(serve.url)

    await expect.poll(() => page.getByRole('button', { name: 'Load sample files' }).count()).toBe(1)
    expect(await page.getByText(indexDir).count()).toBeGreaterThan(0)
  })

  it('shows dropped files with their statuses', async () => {
    await writeIndexFile(indexDir, 'acme_stmt_20261130_1.txt', 10)
    await writeIndexFile(indexDir, 'globex_stmt_20261130_1.txt', 10, ['not|a|record'], 100)
    await writeFile(join(indexDir, HTML_NAME), 'plain text\n')

    await expect.poll(() => row('acme_stmt_20261130_1.txt').locator('[title="BACKED_UP"]').count(), { timeout: 20_000 }).toBe(1)
    await expect.poll(() => row('globex_stmt_20261130_1.txt').locator('[title="BACKED_UP"]').count(), { timeout: 20_000 }).toBe(1)
    // A row shows a placeholder while its block reloads after new jobs arrive, so each check waits for the row.
    await expect.poll(() => row('acme_stmt_20261130_1.txt').locator('[title="SUCCESS"]').count(), { timeout: 5_000 }).toBe(1)
    await expect.poll(() => row('globex_stmt_20261130_1.txt').locator('[title="WARNING"]').count(), { timeout: 5_000 }).toBe(1)
  })

  it('renders an HTML file name as text', async () => {
    await expect.poll(() => row(HTML_NAME).count(), { timeout: 20_000 }).toBe(1)

    expect(await page.locator('img').count()).toBe(0)
    expect(await row(HTML_NAME).locator('[title="FAILED"]').count()).toBe(1)
    expect(dialogs).toEqual([])
  })

  it('renders an HTML record value as text', async () => {
    const htmlRecord = `100500|Jane Example|20261130|doc_500.pdf|${HTML_VALUE}|ST01`
    await writeIndexFile(indexDir, 'soylent_stmt_20261130_1.txt', 19, [htmlRecord], 500)
    const warned = row('soylent_stmt_20261130_1.txt')
    await expect.poll(() => warned.locator('[title="WARNING"]').count(), { timeout: 20_000 }).toBe(1)

    await warned.click()
    await page.keyboard.press('Enter')
    const details = page.getByRole('complementary', { name: /^Details of job/ })
    await expect.poll(() => details.getByText(`page count ${HTML_VALUE}: expected a whole number`).count(), { timeout: 10_000 }).toBe(1)

    expect(await page.locator('img').count()).toBe(0)
    expect(dialogs).toEqual([])
    await page.keyboard.press('Escape')
  })

  it('marks a backup failure red and notifies', async () => {
    setArchiveWritable(false)
    await writeIndexFile(indexDir, 'initech_stmt_20261130_1.txt', 10, [], 200)

    const failed = row('initech_stmt_20261130_1.txt')
    await expect.poll(() => failed.locator('[title="BACKUP_FAILURE"]').count(), { timeout: 20_000 }).toBe(1)
    expect(await failed.locator('[title="SUCCESS"]').count()).toBe(1)
    const background = await failed.locator('[data-column="action"]').evaluate((cell) => getComputedStyle(cell).backgroundColor)
    const [red, green, blue] = rgb(background)
    expect(red).toBeGreaterThan(150)
    expect(green).toBeLessThan(100)
    expect(blue).toBeLessThan(100)
    await expect.poll(() => page.getByRole('alert').filter({ hasText: /backup/i }).count()).toBeGreaterThan(0)
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { __puiNotifications: { title: string }[] }).__puiNotifications.length))
      .toBeGreaterThan(0)
    const notifications = await page.evaluate(() => (window as unknown as { __puiNotifications: { title: string; body?: string }[] }).__puiNotifications)
    expect(JSON.stringify(notifications)).toMatch(/initech_stmt_20261130_1\.txt|backup/i)

    await page.screenshot({ path: join(ARTIFACTS, 'grid-backup-failure.png') })
  })

  it('clears the red after a retry', async () => {
    const reportBefore = await reportCsv()
    setArchiveWritable(true)

    await page.getByRole('button', { name: 'Retry backup for initech_stmt_20261130_1.txt' }).click()

    const retried = row('initech_stmt_20261130_1.txt')
    await expect.poll(() => retried.locator('[title="BACKED_UP"]').count(), { timeout: 20_000 }).toBe(1)
    expect(await retried.locator('[title="SUCCESS"]').count()).toBe(1)
    const background = await retried.locator('[data-column="action"]').evaluate((cell) => getComputedStyle(cell).backgroundColor)
    // After the retry the Action cell must not keep the error red.
    const [red, green] = rgb(background)
    const stillRed = red > 150 && green < 100
    expect(stillRed, `Action cell background after the retry: ${background}`).toBe(false)
    expect(await reportCsv()).toBe(reportBefore)
    expect(existsSync(join(archiveSource, 'initech', '2026', '11', 'initech_stmt_20261130_1.txt'))).toBe(true)

    await page.screenshot({ path: join(ARTIFACTS, 'grid-after-retry.png') })
  })

  it('wraps backup attempts in the details', async () => {
    await page.setViewportSize({ width: 1400, height: 900 })
    await row('initech_stmt_20261130_1.txt').click()

    const details = page.getByRole('complementary', { name: /^Details of job/ })
    await expect.poll(() => details.locator('.attempt').count(), { timeout: 10_000 }).toBe(2)
    expect(await details.locator('.attempt__message', { hasText: 'read-only file system' }).count()).toBe(1)
    const { scrollWidth, clientWidth, widest } = await details.evaluate((panel) => {
      const right = panel.getBoundingClientRect().right
      const overflowing = [...panel.querySelectorAll('*')].filter(
        (element) => element.getBoundingClientRect().right > right || element.scrollWidth > element.clientWidth + 1,
      )
      const widest = overflowing.map((element) => `${element.tagName.toLowerCase()}.${element.className}`).at(-1) ?? 'none'
      return { scrollWidth: panel.scrollWidth, clientWidth: panel.clientWidth, widest }
    })
    expect(scrollWidth, `details panel: content ${scrollWidth} px wide in ${clientWidth} px, past its edge: ${widest}`).toBeLessThanOrEqual(clientWidth)

    await page.screenshot({ path: join(ARTIFACTS, 'details-backup-attempts.png') })
    await details.getByRole('button', { name: 'Close details' }).click()
    await page.setViewportSize({ width: 1500, height: 900 })
  })

  it('bulk retry touches filtered rows only', async () => {
    setArchiveWritable(false)
    await writeIndexFile(indexDir, 'hooli_stmt_20261130_1.txt', 5, [], 300)
    await writeIndexFile(indexDir, 'umbrella_stmt_20261130_1.txt', 5, [], 400)
    await expect.poll(() => archivalOf('hooli_stmt_20261130_1.txt'), { timeout: 20_000 }).toBe('SUCCESS/BACKUP_FAILURE')
    await expect.poll(() => archivalOf('umbrella_stmt_20261130_1.txt'), { timeout: 20_000 }).toBe('SUCCESS/BACKUP_FAILURE')
    setArchiveWritable(true)

    await page.getByRole('searchbox', { name: 'Search file name, client or job id' }).or(page.getByLabel('Search file name, client or job id')).first().fill('hooli')
    await expect.poll(() => new URL(page.url()).searchParams.get('q'), { timeout: 10_000 }).toBe('hooli')
    await expect.poll(() => page.getByRole('button', { name: 'Retry failed backups (1)' }).count(), { timeout: 10_000 }).toBe(1)
    await page.getByRole('button', { name: 'Retry failed backups (1)' }).click()
    const dialog = page.getByRole('dialog')
    expect(await dialog.textContent()).toContain('1 job')
    await dialog.getByRole('button', { name: 'Retry 1 backup' }).click()

    await expect.poll(() => archivalOf('hooli_stmt_20261130_1.txt'), { timeout: 20_000 }).toBe('SUCCESS/BACKED_UP')
    expect(await archivalOf('umbrella_stmt_20261130_1.txt')).toBe('SUCCESS/BACKUP_FAILURE')
  })

  it('moves focus with the details', async () => {
    await page.getByRole('searchbox', { name: 'Search file name, client or job id' }).fill('')
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBeNull()
    const grid = page.getByRole('grid', { name: 'Jobs' })
    await expect.poll(() => grid.getAttribute('aria-rowcount')).toBe('8')
    const focused = () =>
      page.evaluate(() => {
        const element = document.activeElement
        return `${element?.tagName.toLowerCase()} ${element?.getAttribute('aria-label') ?? element?.textContent?.trim()}`
      })
    async function rowTabStops(): Promise<string[]> {
      await grid.focus()
      const stops: string[] = []
      for (let press = 0; press < 40 && (await grid.evaluate((element) => element.contains(document.activeElement))); press++) {
        await page.keyboard.press('Tab')
        const inRow = await page.evaluate(() => document.activeElement?.closest('[id^="job-row-"]')?.id ?? null)
        if (inRow) stops.push(inRow)
      }
      return stops
    }

    // The last job's backup failed, so its Retry backup button is enabled but no tab stop while another row is selected.
    await grid.focus()
    await page.keyboard.press('End')
    await expect.poll(() => new URL(page.url()).searchParams.get('job')).toBe('J000007')
    expect(await row('umbrella_stmt_20261130_1.txt').locator('[title="BACKUP_FAILURE"]').count()).toBe(1)
    expect(await rowTabStops()).toEqual(['job-row-J000007'])
    await grid.focus()
    await page.keyboard.press('ArrowUp')
    expect(await rowTabStops()).toEqual([])

    await grid.focus()
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    const details = page.getByRole('complementary', { name: 'Details of job J000007' })
    await expect.poll(() => details.count()).toBe(1)
    await expect.poll(focused).toBe('h2 umbrella_stmt_20261130_1.txt')
    await page.keyboard.press('Tab')
    expect(await focused()).toBe('button Close details')

    await page.keyboard.press('Escape')
    await expect.poll(() => details.count()).toBe(0)
    expect(await grid.evaluate((element) => element === document.activeElement)).toBe(true)
    expect(new URL(page.url()).searchParams.get('job')).toBeNull()
    expect(await grid.getAttribute('aria-activedescendant')).toBe('job-row-J000007')
  })

  it('refuses requests without the token', async () => {
    const response = await fetch(`${serve.origin}/api/jobs`)

    expect(response.status).toBe(401)
  })

  it('refuses a foreign Host header', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(serve.origin)
      const call = request(
        { host: url.hostname, port: url.port, path: `/api/status?token=${serve.token}`, headers: { Host: 'evil.example' } },
        (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        },
      )
      call.on('error', reject)
      call.end()
    })

    expect(status).toBe(403)
  })
})
