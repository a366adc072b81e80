/** Time the browser gets to start reading the blob before its URL is revoked. */
const REVOKE_DELAY_MS = 10_000

/** Saves `text` as a file through the browser's download, without a server round trip. */
export function downloadText(fileName: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_DELAY_MS)
}
