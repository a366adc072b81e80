// Rasterises build/icon.svg into the PNG icons that packaging and the tray use, with headless Chromium. The PNGs
// are committed, so packaging never needs a browser. After changing the SVG, run `node scripts/make-icons.mjs`
// again and commit the PNGs.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const projectDir = fileURLToPath(new URL('..', import.meta.url))
const sourcePath = join(projectDir, 'build', 'icon.svg')
const chromiumPath = process.env.PUI_CHROMIUM ?? '/usr/bin/chromium'

/** Red disc with a white exclamation mark, drawn over the bottom-right corner of the tray icon after a failure. */
const FAILURE_MARK = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">
  <circle cx="50" cy="50" r="46" fill="#d32f2f" stroke="#ffffff" stroke-width="8"/>
  <rect x="42" y="20" width="16" height="40" rx="8" fill="#ffffff"/>
  <circle cx="50" cy="76" r="9" fill="#ffffff"/>
</svg>`

/**
 * Every PNG the script writes. electron-builder derives the Windows .ico and the macOS .icns from build/icon.png,
 * and Electron loads `tray@2x.png` beside `tray.png` on high-density screens.
 */
const OUTPUTS = [
  { path: 'build/icon.png', size: 1024, failureMark: false },
  { path: 'resources/tray.png', size: 32, failureMark: false },
  { path: 'resources/tray@2x.png', size: 64, failureMark: false },
  { path: 'resources/tray-failure.png', size: 32, failureMark: true },
  { path: 'resources/tray-failure@2x.png', size: 64, failureMark: true },
]

function dataUrl(svg) {
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
}

function pageFor(iconSvg, size, failureMark) {
  const mark = failureMark
    ? `<img src="${dataUrl(FAILURE_MARK)}" style="position:absolute;right:0;bottom:0;width:${size * 0.56}px;height:${size * 0.56}px">`
    : ''
  return `<!doctype html><html><body style="margin:0;background:transparent">
    <div style="position:relative;width:${size}px;height:${size}px">
      <img src="${dataUrl(iconSvg)}" style="position:absolute;inset:0;width:${size}px;height:${size}px">${mark}
    </div></body></html>`
}

async function main() {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `make-icons: Chromium is missing at ${chromiumPath}: install Debian's package with "apt-get install -y chromium", or set PUI_CHROMIUM to another Chromium binary`,
    )
  }
  const iconSvg = await readFile(sourcePath, 'utf8')
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  })

  try {
    for (const output of OUTPUTS) {
      const page = await browser.newPage({ viewport: { width: output.size, height: output.size }, deviceScaleFactor: 1 })
      await page.setContent(pageFor(iconSvg, output.size, output.failureMark))
      await page.waitForFunction(() => [...document.images].every((image) => image.complete && image.naturalWidth > 0))
      await page.screenshot({ path: join(projectDir, output.path), omitBackground: true })
      await page.close()
      console.log(`make-icons: wrote ${output.path} (${output.size}x${output.size})`)
    }
  } finally {
    await browser.close()
  }
}

await main()
