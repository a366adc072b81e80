import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FsFaults } from '../helpers/fs-faults'
import { writeIndexFile } from '../helpers/index-files'

/** Folder name Electron gives `userData` on Linux: `productName` from package.json, under XDG_CONFIG_HOME. */
const USER_DATA_NAME = 'PUI Monitor'
const FAILING_FILE = 'initech_stmt_20261130_1.txt'

interface ShownNotification {
  title: string
  body: string
}

/** Parses `rgb(r, g, b)` as the browser reports computed colours. */
function rgb(color: string): [number, number, number] {
  const parts = color.match(/\d+/g)?.map(Number) ?? []
  return [parts[0] ?? -1, parts[1] ?? -1, parts[2] ?? -1]
}

function electronBinary(): string {
  const binary = process.env.PUI_ELECTRON_BINARY
  if (!binary || !existsSync(binary)) {
    throw new Error(`Electron's binary was not found (PUI_ELECTRON_BINARY=${binary ?? ''}): run this suite with "npm run test:electron"`)
  }
  return binary
}

describe('desktop app in Electron', () => {
  const faults = new FsFaults()
  let indexDir: string
  let archiveSource: string
  let archive: string
  let app: ElectronApplication
  let page: Page

  function row(fileName: string) {
    return page.locator('[role="row"]', { hasText: fileName })
  }

  async function actionBackground(fileName: string): Promise<[number, number, number]> {
    const color = await row(fileName).locator('[data-column="action"]').evaluate((cell) => getComputedStyle(cell).backgroundColor)
    return rgb(color)
  }

  async function shownNotifications(): Promise<ShownNotification[]> {
    return app.evaluate(() => (globalThis as unknown as { __puiShownNotifications: ShownNotification[] }).__puiShownNotifications)
  }

  beforeAll(async () => {
    const root = await faults.tempDir('pui-electron')
    indexDir = join(root, 'in')
    archiveSource = join(root, 'archive-source')
    const home = join(root, 'home')
    const configHome = join(root, 'config')
    const userData = join(configHome, USER_DATA_NAME)
    for (const folder of [indexDir, archiveSource, home, userData]) await mkdir(folder, { recursive: true })
    archive = await faults.readOnlyView(archiveSource)
    faults.setReadOnly(archive, false)

    const settings = { indexDir, archiveDir: archive, stabilityWindowMs: 100, backupRetries: 0, sweepIntervalMs: 500 }
    await writeFile(join(userData, 'settings.json'), JSON.stringify(settings, null, 2))

    app = await electron.launch({
      executablePath: electronBinary(),
      // Chromium refuses to start as root unless its OS sandbox is turned off.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '.'],
      cwd: process.cwd(),
      env: { ...process.env, HOME: home, XDG_CONFIG_HOME: configHome, ELECTRON_ENABLE_LOGGING: '1' },
      timeout: 60_000,
    })
    // Records every OS notification the main process shows, so the test can read them without a notification daemon.
    await app.evaluate(({ Notification }) => {
      const recorded: { title: string; body: string }[] = []
      Object.defineProperty(globalThis, '__puiShownNotifications', { value: recorded })
      const originalShow = Notification.prototype.show
      Notification.prototype.show = function recordingShow(this: Electron.Notification) {
        recorded.push({ title: this.title, body: this.body })
        return originalShow.call(this)
      }
    })
    page = await app.firstWindow()
    await page.waitForLoadState('domcontentloaded')
  })

  afterAll(async () => {
    await app?.close()
    await faults.cleanup()
  })

  it('opens the main window', async () => {
    const visibleWindows = () =>
      app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((window) => window.isVisible()))

    await expect.poll(visibleWindows, { timeout: 15_000 }).toEqual([true])
    expect(await page.title()).toBe('PUI Monitor')
  })

  it('shows dropped files in the grid', async () => {
    await writeIndexFile(indexDir, 'acme_stmt_20261130_1.txt', 10)
    await writeIndexFile(indexDir, 'globex_stmt_20261130_1.txt', 10, ['not|a|record'], 100)

    await expect.poll(() => row('acme_stmt_20261130_1.txt').locator('[title="BACKED_UP"]').count(), { timeout: 30_000 }).toBe(1)
    await expect.poll(() => row('globex_stmt_20261130_1.txt').locator('[title="BACKED_UP"]').count(), { timeout: 30_000 }).toBe(1)
    expect(await row('acme_stmt_20261130_1.txt').locator('[title="SUCCESS"]').count()).toBe(1)
    expect(await row('globex_stmt_20261130_1.txt').locator('[title="WARNING"]').count()).toBe(1)
  })

  it('notifies a backup failure', async () => {
    faults.setReadOnly(archive, true)
    await writeIndexFile(indexDir, FAILING_FILE, 10, [], 200)

    await expect.poll(() => row(FAILING_FILE).locator('[title="BACKUP_FAILURE"]').count(), { timeout: 30_000 }).toBe(1)
    expect(await row(FAILING_FILE).locator('[title="SUCCESS"]').count()).toBe(1)
    const [red, green, blue] = await actionBackground(FAILING_FILE)
    expect(red).toBeGreaterThan(150)
    expect(green).toBeLessThan(100)
    expect(blue).toBeLessThan(100)
    const noNotification = 'no Notification.show call in the main process: on Linux, Notification.isSupported() needs libnotify'
    await expect.poll(async () => (await shownNotifications()).length, { timeout: 15_000, message: noNotification }).toBeGreaterThan(0)
    expect(JSON.stringify(await shownNotifications())).toMatch(new RegExp(`${FAILING_FILE.replaceAll('.', '\\.')}|backup`, 'i'))
    expect(await page.getByRole('alert').filter({ hasText: /backup/i }).count()).toBeGreaterThan(0)
    expect(existsSync(join(indexDir, FAILING_FILE))).toBe(true)
  })

  it('clears the red after a retry', async () => {
    faults.setReadOnly(archive, false)

    await page.getByRole('button', { name: `Retry backup for ${FAILING_FILE}` }).click()

    await expect.poll(() => row(FAILING_FILE).locator('[title="BACKED_UP"]').count(), { timeout: 30_000 }).toBe(1)
    expect(await row(FAILING_FILE).locator('[title="SUCCESS"]').count()).toBe(1)
    const [red, green] = await actionBackground(FAILING_FILE)
    const stillRed = red > 150 && green < 100
    expect(stillRed, `Action cell background after the retry: rgb(${red}, ${green}, ...)`).toBe(false)
    expect(existsSync(join(archiveSource, 'initech', '2026', '11', FAILING_FILE))).toBe(true)
    expect(existsSync(join(indexDir, FAILING_FILE))).toBe(false)
  })
})
