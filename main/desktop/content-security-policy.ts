import { CONTENT_SECURITY_POLICY } from '../serve/http-guards'

export interface ContentSecurityPolicyOptions {
  /** Origin of the renderer's development server (`http://localhost:5173`), or null for the built files. */
  devServerOrigin?: string | null
  /** `meta` leaves out `frame-ancestors`, which browsers ignore in a `<meta>` element. */
  delivery?: 'header' | 'meta'
}

/**
 * Builds the window's Content-Security-Policy. For the built files it is serve mode's policy, so both modes allow
 * only the app's own scripts. A development server adds its own origin, and its WebSocket origin for live reload.
 */
export function buildContentSecurityPolicy(options: ContentSecurityPolicyOptions = {}): string {
  let directives = CONTENT_SECURITY_POLICY.split('; ')
  if (options.delivery === 'meta') directives = directives.filter((directive) => !directive.startsWith('frame-ancestors '))

  const origin = options.devServerOrigin ?? null
  if (origin === null) return directives.join('; ')

  const socketOrigin = origin.replace(/^http/, 'ws')
  return directives
    .map((directive) => {
      if (directive.startsWith('script-src ')) return `${directive} ${origin}`
      if (directive.startsWith('connect-src ')) return `${directive} ${origin} ${socketOrigin}`
      return directive
    })
    .join('; ')
}

/**
 * Returns the response headers with the policy set, replacing any `Content-Security-Policy` header the server sent,
 * whatever its letter case.
 */
export function withContentSecurityPolicy(
  headers: Record<string, string[]> | undefined,
  policy: string,
): Record<string, string[]> {
  const result: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') result[name] = value
  }
  result['Content-Security-Policy'] = [policy]
  return result
}
