/** Where the window's page comes from: the built `index.html` on disk, or the development server. */
export type RendererSource = { kind: 'file'; indexFileUrl: string } | { kind: 'dev-server'; origin: string }

/** The frame that sent an IPC message, as far as the check needs it. */
export interface IpcSender {
  /** URL of the sending frame, or null when the frame is gone (navigated away or destroyed). */
  url: string | null
  /** False for an iframe. */
  isMainFrame: boolean
}

/**
 * Returns true when an IPC message comes from the main frame of the app's own page: the same `file:` path as the
 * built `index.html` (any query or fragment, since the renderer keeps its filters in the query), or the development
 * server's origin. Subframes, other pages and unparsable URLs are untrusted.
 */
export function isTrustedSender(sender: IpcSender, source: RendererSource): boolean {
  if (!sender.isMainFrame || sender.url === null) return false

  let url: URL
  try {
    url = new URL(sender.url)
  } catch {
    // A frame URL that does not parse is not the app's page.
    return false
  }

  if (source.kind === 'dev-server') return url.origin === new URL(source.origin).origin
  const expected = new URL(source.indexFileUrl)
  return url.protocol === 'file:' && url.host === expected.host && url.pathname === expected.pathname
}
