import { ApiCallError } from '../../shared/api'

/** Returns the message to show for a failed call: the server's own message for an `ApiCallError`. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiCallError) return error.error.message
  if (error instanceof Error) return error.message
  return String(error)
}
