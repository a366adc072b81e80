import { request } from 'node:http'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/**
 * Sends a request with `node:http`, which, unlike `fetch`, sends the path exactly as given (`..` segments included)
 * and lets the test set the `Host` header.
 */
export function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers }, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }))
    })
    outgoing.on('error', reject)
    if (options.body !== undefined) outgoing.write(options.body)
    outgoing.end()
  })
}

/** Parses the `data:` lines of server-sent events received so far, leaving out an incomplete last message. */
export function parseEvents<T>(text: string): T[] {
  const messages = text.split('\n\n').slice(0, -1)
  return messages
    .map((message) =>
      message
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n'),
    )
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as T)
}

/**
 * Reads a streamed response until `done` returns true for the text received so far, and returns that text. Throws when
 * the stream ends first or after `timeoutMs`, naming `what`.
 */
export async function readStreamUntil(response: Response, done: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    void reader.cancel()
  }, timeoutMs)
  try {
    while (!done(text)) {
      const { value, done: ended } = await reader.read()
      if (timedOut) throw new Error(`timed out waiting for ${what}; received:\n${text}`)
      if (ended) throw new Error(`the stream ended before ${what}; received:\n${text}`)
      text += decoder.decode(value, { stream: true })
    }
    return text
  } finally {
    clearTimeout(timer)
    reader.releaseLock()
  }
}
