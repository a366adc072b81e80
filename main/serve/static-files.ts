import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { isSameOrInside } from '../core/settings'
import { HttpError } from './http-guards'

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
}

/** Returns the content type of a served file by its extension, or `application/octet-stream` for an unknown one. */
export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'
}

function notFound(pathname: string): HttpError {
  return new HttpError(404, 'NOT_FOUND', `no file ${pathname.slice(0, 200)} in the renderer`)
}

/**
 * Serves a file of the built renderer for GET and HEAD, with `index.html` for `/`. The decoded path must stay inside
 * `rendererDir` both as written and after symbolic links are resolved, so `..` segments, encoded slashes and links
 * that point outside all get a 404. Folders get a 404 as well.
 */
export async function serveStaticFile(request: IncomingMessage, response: ServerResponse, rendererDir: string, pathname: string): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on the renderer's files`, { Allow: 'GET, HEAD' })
  }

  let decoded: string
  try {
    decoded = decodeURIComponent(pathname === '/' ? '/index.html' : pathname)
  } catch {
    // A malformed percent-escape cannot name a file.
    throw notFound(pathname)
  }
  if (decoded.includes('\0')) throw notFound(pathname)

  const root = resolve(rendererDir)
  const candidate = resolve(root, `.${decoded}`)
  if (!isSameOrInside(candidate, root) || candidate === root) throw notFound(pathname)

  let path: string
  let size: number
  try {
    path = await realpath(candidate)
    const info = await stat(path)
    if (!info.isFile()) throw notFound(pathname)
    size = info.size
  } catch (error) {
    if (error instanceof HttpError) throw error
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') throw notFound(pathname)
    throw error
  }
  if (!isSameOrInside(path, await realpath(root))) throw notFound(pathname)

  response.writeHead(200, {
    'Content-Type': contentTypeOf(path),
    'Content-Length': String(size),
    // The page is small and local, and revalidating every time keeps a rebuilt renderer from mixing with a cached one.
    'Cache-Control': 'no-cache',
  })
  if (request.method === 'HEAD') {
    response.end()
    return
  }
  await pipeline(createReadStream(path), response)
}
