import { randomBytes } from 'node:crypto'
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import { isIP, type AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { ApiCallError, type ApiError, type PuiApi } from '../../shared/api'
import type { CoreLogger } from '../core/logger'
import { openEventStream } from './event-stream'
import { checkOrigin, checkToken, HttpError, isLoopbackAddress, isLoopbackHostHeader, SECURITY_HEADERS, type HttpErrorCode } from './http-guards'
import { runApiRoute, type RouteResult } from './routes'
import { serveStaticFile } from './static-files'

export interface ServeServerOptions {
  api: PuiApi
  /** Address to listen on. Anything but a loopback address needs `allowRemote`. */
  host: string
  /** Port to listen on, or 0 for any free port. */
  port: number
  /** Folder of the built renderer (`out/renderer`). */
  rendererDir: string
  /** API token, generated at random when not given. */
  token?: string
  /** Accepts any `Host` header and a non-loopback `host`. */
  allowRemote: boolean
  logger: CoreLogger
  /** Interval of the event stream's keepalive comment, in milliseconds. Default 15,000. */
  keepAliveMs?: number
}

export interface ServeServer {
  /** Address to open in a browser, with the token: `http://127.0.0.1:<port>/?token=<token>`. */
  url: string
  port: number
  token: string
  /** Stops accepting connections, ends the event streams and closes open connections. */
  close(): Promise<void>
}

/** Error of a server that could not start listening, with the cause in `code` (`EADDRINUSE`, say) and the fix in the message. */
export class ServeStartError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'ServeStartError'
  }
}

const STATUS_OF_API_ERROR: Readonly<Record<ApiError['code'], number>> = {
  INVALID_REQUEST: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_SETTINGS: 400,
  NOT_AVAILABLE: 501,
  INTERNAL: 500,
}

/** Time `close()` lets running requests finish before it closes their connections, in milliseconds. */
const CLOSE_GRACE_MS = 1_000

/** Failed requests logged per minute. Further ones are only counted and summarised, so a scan cannot flood the log. */
const MAX_LOGGED_FAILURES_PER_WINDOW = 60
const FAILURE_LOG_WINDOW_MS = 60_000

/**
 * Starts the serve-mode HTTP server: the renderer's files without a token, and the API under `/api/` with the token,
 * a loopback `Host` (unless `allowRemote`), a same-origin `Origin` on state-changing requests and bodies of at most
 * 64 KiB. Rejects with `ServeStartError` when it cannot listen.
 */
export async function startServeServer(options: ServeServerOptions): Promise<ServeServer> {
  if (!options.allowRemote && !isLoopbackAddress(options.host)) {
    throw new ServeStartError('REMOTE_NOT_ALLOWED', `serve: ${options.host} is not a loopback address: add --allow-remote to accept other machines`)
  }
  const token = options.token ?? randomBytes(24).toString('base64url')
  const streams = new Set<() => void>()
  const failures = createFailureLog(options.logger)

  const server = createServer((request, response) => {
    void handleRequest(request, response).catch((error: unknown) => {
      // A client that goes away in the middle of a file is routine, but anything else is worth a stack trace.
      if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') options.logger.debug(`serve: client closed ${request.method} early`)
      else options.logger.error(`serve: ${request.method} request failed after the response started: ${(error as Error).stack ?? error}`)
      response.destroy()
    })
  })

  // Node responds by itself to a request it cannot parse (a URL or headers over its default 16 KiB limit, a malformed
  // request line), with a plain-text body and none of the security headers. This sends the usual JSON error instead.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const headersTooLarge = error.code === 'HPE_HEADER_OVERFLOW'
    failures.record('?', headersTooLarge ? '(request headers too large)' : `(unparsable request: ${error.code ?? error.message})`, headersTooLarge ? 431 : 400)
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy()
      return
    }
    socket.end(clientErrorResponse(headersTooLarge))
  })

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value)
    const url = parseRequestUrl(request.url)
    response.on('finish', () => {
      if (response.statusCode >= 400) failures.record(request.method ?? '?', url?.pathname ?? '(invalid request target)', response.statusCode)
    })
    if (url === null) {
      sendJson(response, 400, { code: 'INVALID_REQUEST', message: 'the request target is not a valid URL path' })
      return
    }
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/')
    if (isApi) response.setHeader('Cache-Control', 'no-store')

    try {
      if (!options.allowRemote && !isLoopbackHostHeader(request.headers.host)) {
        throw new HttpError(403, 'FORBIDDEN', `Host ${String(request.headers.host).slice(0, 100)} is not this machine: open the URL with 127.0.0.1`)
      }
      if (!isApi) return await serveStaticFile(request, response, options.rendererDir, url.pathname)

      checkOrigin(request)
      checkToken(request, url, token)
      const result = await runApiRoute({ request, response, url, api: options.api, openEvents: openStream })
      sendResult(response, result)
    } catch (error) {
      if (response.headersSent) throw error
      sendError(response, error, options.logger)
    }
  }

  function openStream(response: ServerResponse): void {
    const close = openEventStream(response, options.api, { keepAliveMs: options.keepAliveMs, logger: options.logger })
    streams.add(close)
    response.on('close', () => streams.delete(close))
  }

  const port = await listen(server, options.host, options.port)
  const url = `http://${browserHost(options.host)}:${port}/?token=${token}`
  options.logger.info(`serve: listening on ${options.host}:${port}${options.allowRemote ? ' (remote connections allowed)' : ''}`)

  return {
    url,
    port,
    token,
    close: async () => {
      for (const close of [...streams]) close()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      // Requests still running (a bulk retry, say) get a moment to finish before their connections are closed.
      const forceClose = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS)
      await closed
      clearTimeout(forceClose)
      options.logger.info('serve: stopped')
    },
  }
}

function parseRequestUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://127.0.0.1')
  } catch {
    // The caller sends a 400 for a target that is not a URL.
    return null
  }
}

function listen(server: ReturnType<typeof createServer>, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'UNKNOWN'
      const where = `${host}:${port}`
      const hint =
        code === 'EADDRINUSE'
          ? `port ${port} is in use: stop the other server or choose another port with --port`
          : code === 'EACCES'
            ? `port ${port} needs privileges: choose a port above 1023 with --port`
            : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND'
              ? `${host} is not an address of this machine: check --host`
              : 'check --host and --port'
      reject(new ServeStartError(code, `serve: cannot listen on ${where} (${code}): ${hint}`))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

/**
 * Returns the host for the printed URL: 127.0.0.1 for IPv4 loopback and wildcard addresses, `localhost` as given
 * (Node may bind it to ::1), and any other address as it is.
 */
function browserHost(host: string): string {
  if (host === 'localhost') return host
  if (host === '0.0.0.0' || host === '::' || (isIP(host) === 4 && isLoopbackAddress(host))) return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/** Builds the raw HTTP response for a request Node could not parse, with the security headers and a JSON body. */
function clientErrorResponse(headersTooLarge: boolean): string {
  const status = headersTooLarge ? 431 : 400
  const error: { code: HttpErrorCode; message: string } = headersTooLarge
    ? { code: 'HEADERS_TOO_LARGE', message: 'request URL and headers are larger than 16 KiB: send a shorter job query in the q parameter' }
    : { code: 'INVALID_REQUEST', message: 'the request is not valid HTTP/1.1' }
  const body = JSON.stringify(error)
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    Connection: 'close',
  }
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`)
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('\r\n')}\r\n\r\n${body}`
}

function sendResult(response: ServerResponse, result: RouteResult): void {
  if ('streaming' in result) return
  if ('csv' in result) {
    response.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${result.fileName}"`,
    })
    response.end(result.csv)
    return
  }
  sendJson(response, 200, result.json)
}

function sendJson(response: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value)
  response.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) })
  response.end(body)
}

function sendError(response: ServerResponse, error: unknown, logger: CoreLogger): void {
  if (error instanceof HttpError) {
    sendJson(response, error.status, { code: error.code, message: error.message }, error.headers)
    return
  }
  if (error instanceof ApiCallError) {
    sendJson(response, STATUS_OF_API_ERROR[error.error.code], { code: error.error.code, message: error.error.message })
    return
  }
  logger.error(`serve: unexpected error: ${(error as Error).stack ?? error}`)
  const code: HttpErrorCode = 'INTERNAL'
  sendJson(response, 500, { code, message: 'internal error: the details are in the log file in the data folder' })
}

/** Logs failed requests with method, path (never the query, which may hold the token) and status, rate-limited. */
function createFailureLog(logger: CoreLogger) {
  let windowStart = Date.now()
  let logged = 0
  let dropped = 0
  return {
    record(method: string, path: string, status: number): void {
      const now = Date.now()
      if (now - windowStart >= FAILURE_LOG_WINDOW_MS) {
        if (dropped > 0) logger.warn(`serve: ${dropped} more failed requests in the last minute were not logged`)
        windowStart = now
        logged = 0
        dropped = 0
      }
      if (logged >= MAX_LOGGED_FAILURES_PER_WINDOW) {
        dropped += 1
        return
      }
      logged += 1
      const line = `serve: ${method} ${path.slice(0, 300)} ${status}`
      if (status >= 500) logger.error(line)
      else logger.warn(line)
    },
  }
}
