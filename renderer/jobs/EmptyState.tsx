import { useEffect, useState } from 'react'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { formatCountOf } from '../common/format'
import { useBanners } from '../notifications/banner-context'

/** Renders where index files go while the history is empty, and a button that loads sample files. */
export function EmptyHistory() {
  const api = useApi()
  const { show } = useBanners()
  const [indexDir, setIndexDir] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  // The same sample set written twice would only add duplicates, so the button stays disabled once it worked.
  const [loaded, setLoaded] = useState(false)

  useEffect(() => {
    let current = true
    api.getStatus().then(
      (status) => {
        if (current) setIndexDir(status.indexDir)
      },
      (error: unknown) => show({ tone: 'error', title: 'Reading the monitor status failed', body: errorMessage(error) }),
    )
    return () => {
      current = false
    }
  }, [api, show])

  async function loadSamples(): Promise<void> {
    setLoading(true)
    try {
      const { written } = await api.loadSampleFiles()
      setLoaded(true)
      show({
        tone: 'info',
        title: `Wrote ${formatCountOf(written, 'sample file')} to the index folder`,
        body: 'They appear here as they are processed.',
      })
    } catch (error) {
      show({ tone: 'error', title: 'Loading the sample files failed', body: errorMessage(error) })
    } finally {
      setLoading(false)
    }
  }

  let buttonLabel = 'Load sample files'
  if (loading) buttonLabel = 'Loading sample files…'
  else if (loaded) buttonLabel = 'Sample files loaded'

  return (
    <div className="empty-state">
      <h2>No jobs yet</h2>
      <p>
        Drop index files into the index folder{indexDir ? ': ' : '.'}
        {indexDir && <code className="path">{indexDir}</code>}
      </p>
      <p>Each file becomes a job here as soon as it stops changing.</p>
      <button type="button" className="button--primary" disabled={loading || loaded} onClick={() => void loadSamples()}>
        {buttonLabel}
      </button>
    </div>
  )
}

export interface NoMatchesProps {
  onClearFilters(): void
}

/** Renders the notice that no job matches the filters, with a button that clears them. */
export function NoMatches({ onClearFilters }: NoMatchesProps) {
  return (
    <div className="empty-state">
      <h2>No jobs match these filters</h2>
      <button type="button" onClick={onClearFilters}>
        Clear filters
      </button>
    </div>
  )
}
