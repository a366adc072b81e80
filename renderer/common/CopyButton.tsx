import { useState } from 'react'
import { errorMessage } from './errors'

export interface CopyButtonProps {
  text: string
  /** Name of the copied value in the button's accessible name, e.g. `source path` for "Copy source path". */
  subject: string
}

/** Renders a button that copies `text` to the clipboard, with how to copy by hand where the clipboard API is missing. */
export function CopyButton({ text, subject }: CopyButtonProps) {
  const [outcome, setOutcome] = useState<string | null>(null)

  async function copy(): Promise<void> {
    // The clipboard API exists only in secure contexts (https, localhost, the desktop app).
    if (!navigator.clipboard?.writeText) {
      setOutcome('Copying is not available here: select the text and press Ctrl+C.')
      return
    }
    try {
      await navigator.clipboard.writeText(text)
      setOutcome('Copied')
    } catch (error) {
      setOutcome(`Copying failed (${errorMessage(error)}): select the text and press Ctrl+C.`)
    }
  }

  return (
    <>
      <button type="button" className="button--small" aria-label={`Copy ${subject}`} onClick={() => void copy()}>
        Copy
      </button>
      <span className="copy-outcome" role="status">
        {outcome}
      </span>
    </>
  )
}
