import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** Debian's Chromium, which the browser tests drive; `.ci/run` installs it. */
export const CHROMIUM_PATH = process.env.PUI_CHROMIUM ?? '/usr/bin/chromium'

/**
 * Launches headless Chromium. A missing browser fails the test with the command that installs it, so the browser
 * suite never passes by skipping.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: install Debian's package with "apt-get update && apt-get install -y chromium" (as .ci/run does), or set PUI_CHROMIUM to another Chromium binary`,
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Without these flags Chromium keeps trying to reach Google services, which a closed network refuses.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
