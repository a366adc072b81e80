/** Source of the window's page: the built `index.html` on disk, or the development server. */
export type RendererSource = { kind: 'file'; indexFileUrl: string } | { kind: 'dev-server'; origin: string }

/** The frame that sent an IPC message, as far as the check needs it. */
export interface IpcSender {
  /** URL of the sending frame, or null when the frame is gone (navigated away or destroyed). */
  url: string | null
  /** False for an iframe. */
  isMainFrame: boolean
}

/**
 * Returns true when an IPC message comes from the main frame of the app's own page. That is the `file:` path of the
 * built `index.html` with any query or fragment, because the renderer keeps its filters in the query. With a
 * development server it is that server's origin. Subframes, other pages and unparsable URLs are untrusted.
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
