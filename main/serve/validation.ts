import type { z } from 'zod'
import { ApiCallError } from '../../shared/api'

/**
 * Parses `value` with `schema`, or throws an `INVALID_REQUEST` `ApiCallError` that names each invalid field, e.g.
 * `invalid job query: limit: Too big: expected number to be <=1000`.
 */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown, subject: string): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data

  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)'
    return `${field}: ${issue.message}`
  })
  throw new ApiCallError({ code: 'INVALID_REQUEST', message: `invalid ${subject}: ${problems.join('; ')}` })
}
