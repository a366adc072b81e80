import type { ServerResponse } from 'node:http'
import type { PuiApi, PuiEvent } from '../../shared/api'
import type { CoreLogger } from '../core/logger'

/** Interval of the `: keepalive` comment that stops proxies and browsers from closing an idle stream, in ms. */
export const DEFAULT_KEEPALIVE_MS = 15_000

/**
 * Output a client may leave unread before its stream is closed, in bytes. A stalled tab would otherwise make the
 * server buffer every event. A browser's `EventSource` reconnects by itself after the close.
 */
const MAX_UNREAD_BYTES = 4 * 1024 * 1024

/** Delay a browser waits before reconnecting a dropped stream, sent as the `retry:` field, in ms. */
const RECONNECT_DELAY_MS = 2_000

export interface EventStreamOptions {
  keepAliveMs?: number
  logger: CoreLogger
}

/**
 * Sends the API's events as server-sent events, one `data: <PuiEvent JSON>` message each, until the client goes away
 * or the returned function is called. Unsubscribes from the API when the stream ends.
 */
export function openEventStream(response: ServerResponse, api: PuiApi, options: EventStreamOptions): () => void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  })
  response.write(`retry: ${RECONNECT_DELAY_MS}\n: connected\n\n`)

  let closed = false
  const send = (text: string) => {
    if (closed) return
    if (response.writableLength > MAX_UNREAD_BYTES) {
      options.logger.warn(`serve: closing an event stream whose client left ${response.writableLength} bytes unread`)
      close()
      return
    }
    response.write(text)
  }

  const unsubscribe = api.subscribe((event: PuiEvent) => send(`data: ${JSON.stringify(event)}\n\n`))
  const keepAlive = setInterval(() => send(': keepalive\n\n'), options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS)
  keepAlive.unref()

  function close(): void {
    if (closed) return
    closed = true
    clearInterval(keepAlive)
    unsubscribe()
    response.end()
  }

  // The response closes when the client goes away, but the request's own close event only means its body was read.
  response.on('close', close)
  response.on('error', (error) => {
    options.logger.warn(`serve: event stream failed: ${error.message}`)
    close()
  })
  return close
}
