export interface AccessTokenScreenProps {
  /** True when the server rejected a token, false when the page had none. */
  rejected: boolean
}

/** Renders, in place of the app, how to open serve mode with a valid access token. */
export function AccessTokenScreen({ rejected }: AccessTokenScreenProps) {
  return (
    <main className="access-token-screen">
      <h1>PUI Monitor</h1>
      <p role="alert">
        {rejected ? 'The server rejected the access token of this page.' : 'This page has no access token.'}
      </p>
      <p>
        Open the URL printed by <code>pui-monitor serve</code> (it carries the access token).
      </p>
    </main>
  )
}
