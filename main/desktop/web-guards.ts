/** The only permission the window may have: OS notifications. Camera, geolocation, clipboard reads and the rest are denied. */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications'])

/** Returns true for the permissions the window is granted, for both permission requests and permission checks. */
export function isPermissionAllowed(permission: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission)
}

/**
 * Returns the URL to open in the system browser for a link the page tried to open, or null to open nothing. Only
 * `http:` and `https:` URLs qualify, so a `file:`, `javascript:` or custom-scheme link can never start a program.
 */
export function externalBrowserUrl(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    // A string that is not a URL opens nothing.
    return null
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null
}

/** Decision on a navigation or a `window.open` the page started: stay put, and maybe open a link in the browser. */
export interface NavigationDecision {
  /** Always true: the window never leaves the app's page and never opens another window. */
  deny: true
  /** URL to hand to the system browser, or null. */
  openExternally: string | null
}

/**
 * Decides on a navigation or a `window.open` request. The window shows only the app's own page: every request is
 * denied, and a web link is opened in the system browser instead.
 */
export function decideNavigation(url: string): NavigationDecision {
  return { deny: true, openExternally: externalBrowserUrl(url) }
}
