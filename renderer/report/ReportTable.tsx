import type { AccountingReportData, AccountingRow } from '../../shared/report'
import { formatCount } from '../common/format'

type Figures = Omit<AccountingRow, 'client' | 'jobType' | 'cycleDate'>

const FIGURE_COLUMNS: { key: keyof Figures; label: string }[] = [
  { key: 'jobs', label: 'Jobs' },
  { key: 'postedJobs', label: 'Posted jobs' },
  { key: 'failedJobs', label: 'Failed jobs' },
  { key: 'documents', label: 'Documents' },
  { key: 'rejectedRecords', label: 'Rejected records' },
  { key: 'pages', label: 'Pages' },
]

interface ClientGroup {
  client: string
  rows: AccountingRow[]
  subtotal: Figures
}

function sumFigures(rows: readonly AccountingRow[]): Figures {
  const sum: Figures = { jobs: 0, postedJobs: 0, failedJobs: 0, documents: 0, rejectedRecords: 0, pages: 0 }
  for (const row of rows) {
    for (const { key } of FIGURE_COLUMNS) sum[key] += row[key]
  }
  return sum
}

/** Groups the report rows by client, each group in job type and cycle date order. */
export function groupByClient(rows: readonly AccountingRow[]): ClientGroup[] {
  const sorted = [...rows].sort(
    (a, b) =>
      a.client.localeCompare(b.client) || a.jobType.localeCompare(b.jobType) || a.cycleDate.localeCompare(b.cycleDate),
  )
  const groups = new Map<string, AccountingRow[]>()
  for (const row of sorted) groups.set(row.client, [...(groups.get(row.client) ?? []), row])
  return [...groups].map(([client, clientRows]) => ({ client, rows: clientRows, subtotal: sumFigures(clientRows) }))
}

export interface ReportTableProps {
  report: AccountingReportData
}

/** Renders the report by client, job type and cycle date, with a subtotal per client and the totals. */
export function ReportTable({ report }: ReportTableProps) {
  const groups = groupByClient(report.rows)

  return (
    <table className="plain-table report-table">
      <thead>
        <tr>
          <th scope="col">Client</th>
          <th scope="col">Job type</th>
          <th scope="col">Cycle date</th>
          {FIGURE_COLUMNS.map((column) => (
            <th key={column.key} scope="col" className="numeric">
              {column.label}
            </th>
          ))}
        </tr>
      </thead>
      {groups.map((group) => (
        <tbody key={group.client}>
          {group.rows.map((row, index) => (
            <tr key={`${row.jobType}|${row.cycleDate}`}>
              {index === 0 ? (
                <th scope="rowgroup" rowSpan={group.rows.length}>
                  {group.client}
                </th>
              ) : null}
              <td>{row.jobType}</td>
              <td>{row.cycleDate}</td>
              {FIGURE_COLUMNS.map((column) => (
                <td key={column.key} className="numeric">
                  {formatCount(row[column.key])}
                </td>
              ))}
            </tr>
          ))}
          {group.rows.length > 1 && (
            <tr className="report-table__subtotal">
              <th scope="row" colSpan={3}>
                Subtotal {group.client}
              </th>
              {FIGURE_COLUMNS.map((column) => (
                <td key={column.key} className="numeric">
                  {formatCount(group.subtotal[column.key])}
                </td>
              ))}
            </tr>
          )}
        </tbody>
      ))}
      <tfoot>
        <tr>
          <th scope="row" colSpan={3}>
            Total
          </th>
          {FIGURE_COLUMNS.map((column) => (
            <td key={column.key} className="numeric">
              {formatCount(report.totals[column.key])}
            </td>
          ))}
        </tr>
      </tfoot>
    </table>
  )
}
