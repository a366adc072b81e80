import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import type { ApiError } from '../../shared/api'

/** Largest request body accepted, in bytes (64 KiB). A job query or a settings patch is far smaller. */
export const MAX_BODY_BYTES = 64 * 1024

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ')

/** Headers every response carries, the renderer's files and the API alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
}

/** Codes of an HTTP error body: the API's own codes plus those of the HTTP guards. */
export type HttpErrorCode =
  | ApiError['code']
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'

/** A request the HTTP layer rejects before it reaches the API, sent as `{ code, message }` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    /** Extra response headers, such as `Allow` for a 405. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

const LOOPBACK_HOST_HEADER = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i

/**
 * Returns true when a `Host` header names this machine's loopback interface. A page on another domain that rebinds
 * its DNS name to 127.0.0.1 still sends its own name here, so checking it stops DNS rebinding.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST_HEADER.test(host)
}

/** Returns true for an address to listen on that only this machine can reach. */
export function isLoopbackAddress(address: string): boolean {
  if (address === 'localhost' || address === '::1') return true
  return isIP(address) === 4 && address.startsWith('127.')
}

const STATE_CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Rejects a state-changing request sent by a page of another origin. The `Origin` must be this server's own
 * (`http://<Host header>`). A request without `Origin` passes only when `Sec-Fetch-Site` is missing as well, because
 * browsers send one of them on every such request and other clients (curl, tests) send neither.
 */
export function checkOrigin(request: IncomingMessage): void {
  if (!STATE_CHANGING_METHODS.has(request.method ?? '')) return
  const origin = request.headers.origin
  if (origin === undefined) {
    if (request.headers['sec-fetch-site'] === undefined) return
    throw new HttpError(403, 'FORBIDDEN', `${request.method} without an Origin header from a browser is rejected`)
  }
  const ownOrigin = `http://${request.headers.host ?? ''}`
  if (origin.toLowerCase() !== ownOrigin.toLowerCase()) {
    throw new HttpError(403, 'FORBIDDEN', `requests from origin ${origin.slice(0, 200)} are rejected: only pages served by this server may change state`)
  }
}

/**
 * Checks the API token, sent as `Authorization: Bearer <token>` or as the `token` query parameter (an
 * `EventSource` cannot set headers). The comparison takes the same time whatever the token's content.
 */
export function checkToken(request: IncomingMessage, url: URL, token: string): void {
  const header = request.headers.authorization
  const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null
  const presentedToken = bearer ?? url.searchParams.get('token')
  if (presentedToken === null || presentedToken === '') {
    throw new HttpError(401, 'UNAUTHORIZED', 'missing API token: open the URL that "pui-monitor serve" printed, which carries ?token=')
  }
  if (!sameSecret(presentedToken, token)) {
    throw new HttpError(401, 'UNAUTHORIZED', 'invalid API token: open the URL that the running "pui-monitor serve" printed')
  }
}

function sameSecret(presentedToken: string, expected: string): boolean {
  const a = Buffer.from(presentedToken)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Reads a JSON request body of at most `MAX_BODY_BYTES`. Returns undefined for an empty body. Throws 413 for a
 * larger body, 415 for a body that is not `application/json`, and 400 for malformed JSON.
 */
export async function readJsonBody(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  const body = await readBody(request, response)
  if (body.length === 0) return undefined

  const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
  if (contentType !== 'application/json') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `request body must be application/json, got ${contentType || 'no Content-Type'}`)
  }
  try {
    return JSON.parse(body.toString('utf8')) as unknown
  } catch (error) {
    throw new HttpError(400, 'INVALID_REQUEST', `request body is not valid JSON: ${(error as Error).message}`)
  }
}

/**
 * Collects the body. Past the limit it rejects at once but keeps reading and dropping the rest, so the client
 * receives the 413 instead of a reset connection. The connection closes after that reply.
 */
function readBody(request: IncomingMessage, response: ServerResponse): Promise<Buffer> {
  const tooLarge = () => {
    response.setHeader('Connection', 'close')
    return new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${MAX_BODY_BYTES / 1024} KiB`)
  }
  if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    request.resume()
    return Promise.reject(tooLarge())
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let rejected = false
    request.on('data', (chunk: Buffer) => {
      if (rejected) return
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        rejected = true
        chunks.length = 0
        reject(tooLarge())
        return
      }
      chunks.push(chunk)
    })
    request.on('end', () => {
      if (!rejected) resolve(Buffer.concat(chunks))
    })
    request.on('error', (error) => {
      if (!rejected) reject(new HttpError(400, 'INVALID_REQUEST', `cannot read the request body: ${error.message}`))
    })
  })
}
