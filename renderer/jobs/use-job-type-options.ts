import { useEffect, useMemo, useRef, useState } from 'react'
import type { JobRow } from '../../shared/api'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { useBanners } from '../notifications/banner-context'

/**
 * Returns the job types to offer in the filter: those in the accounting report of all cycle dates, plus any seen
 * in loaded rows since.
 */
export function useJobTypeOptions(loadedRows: readonly JobRow[]): string[] {
  // NOTE: the API has no list of configured job types, so a type without a job yet is not offered.
  const api = useApi()
  const { show } = useBanners()
  const [fromReport, setFromReport] = useState<string[]>([])
  const seen = useRef(new Set<string>())

  useEffect(() => {
    let current = true
    api.getReport({}).then(
      (report) => {
        if (current) setFromReport(report.rows.map((row) => row.jobType))
      },
      (error: unknown) => show({ tone: 'error', title: 'Listing the job types failed', body: errorMessage(error) }),
    )
    return () => {
      current = false
    }
  }, [api, show])

  for (const row of loadedRows) if (row.jobType) seen.current.add(row.jobType)
  const seenKey = [...seen.current].sort().join(',')

  return useMemo(
    () => [...new Set([...fromReport, ...seenKey.split(',')])].filter((name) => name.length > 0).sort(),
    [fromReport, seenKey],
  )
}
