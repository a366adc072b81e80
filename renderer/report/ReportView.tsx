import { useEffect, useState } from 'react'
import type { AccountingReportData } from '../../shared/report'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { useBanners } from '../notifications/banner-context'
import { CycleDayPlot } from './CycleDayPlot'
import { downloadText } from './download'
import { ReportTable } from './ReportTable'

/** Renders the accounting report over a cycle-date range, with its CSV export and a plot per cycle day. */
export function ReportView() {
  const api = useApi()
  const { show } = useBanners()
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [report, setReport] = useState<AccountingReportData | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [exporting, setExporting] = useState(false)

  useEffect(() => {
    let current = true
    setProblem(null)
    api.getReport({ from: from || null, to: to || null }).then(
      (loaded) => {
        if (current) setReport(loaded)
      },
      (error: unknown) => {
        if (current) setProblem(`Loading the report failed: ${errorMessage(error)}`)
      },
    )
    return () => {
      current = false
    }
  }, [api, from, to])

  async function exportCsv(): Promise<void> {
    setExporting(true)
    try {
      const csv = await api.exportReportCsv({ from: from || null, to: to || null })
      downloadText('accounting-report.csv', csv, 'text/csv;charset=utf-8')
    } catch (error) {
      show({ tone: 'error', title: 'Exporting the report failed', body: errorMessage(error) })
    } finally {
      setExporting(false)
    }
  }

  return (
    <section className="report-view" aria-labelledby="report-title">
      <div className="report-view__toolbar">
        <h2 id="report-title">Accounting report</h2>
        <label className="filter-bar__field">
          Cycle date from
          <input type="date" value={from} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label className="filter-bar__field">
          to
          <input type="date" value={to} onChange={(event) => setTo(event.target.value)} />
        </label>
        <button type="button" disabled={exporting} onClick={() => void exportCsv()}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      <p className="note">Backup outcomes never change these figures.</p>
      {problem && (
        <p className="inline-error" role="alert">
          {problem}
        </p>
      )}
      {!report && !problem && <p>Loading…</p>}
      {report && report.rows.length === 0 && <p>No jobs in this cycle-date range.</p>}
      {report && report.rows.length > 0 && (
        <>
          <div className="cycle-plot__scroll">
            <CycleDayPlot rows={report.rows} />
          </div>
          <ReportTable report={report} />
        </>
      )}
    </section>
  )
}
