const TOKEN_STORAGE_KEY = 'pui-monitor.access-token'

/**
 * Reads the serve-mode access token from the page URL (`?token=`) and keeps it in session storage, so in-app
 * navigation that drops the parameter still has it. Returns null when neither contains a token.
 */
export function readAccessToken(search: string = window.location.search, storage: Storage = window.sessionStorage) {
  const fromUrl = new URLSearchParams(search).get('token')
  if (fromUrl) {
    storage.setItem(TOKEN_STORAGE_KEY, fromUrl)
    return fromUrl
  }
  return storage.getItem(TOKEN_STORAGE_KEY)
}

/** Forgets the stored token, after the server rejected it. */
export function forgetAccessToken(storage: Storage = window.sessionStorage): void {
  storage.removeItem(TOKEN_STORAGE_KEY)
}
