import type { JobCountsSummary } from '../../shared/api'
import { formatCount } from '../common/format'
import { EMPTY_FILTERS, filtersToQuery, type JobFilters } from './job-filters'

interface CountsItem {
  label: string
  value: (counts: JobCountsSummary) => number
  filters: JobFilters
  tone: 'neutral' | 'busy' | 'bad'
}

const ITEMS: CountsItem[] = [
  { label: 'Total', value: (counts) => counts.total, filters: EMPTY_FILTERS, tone: 'neutral' },
  { label: 'Running', value: (counts) => counts.running, filters: { ...EMPTY_FILTERS, status: ['RUNNING'] }, tone: 'busy' },
  { label: 'Failed', value: (counts) => counts.failed, filters: { ...EMPTY_FILTERS, status: ['FAILED'] }, tone: 'bad' },
  {
    label: 'Backup failures',
    value: (counts) => counts.backupFailures,
    filters: { ...EMPTY_FILTERS, archivalStatus: ['BACKUP_FAILURE'] },
    tone: 'bad',
  },
]

export interface CountsBarProps {
  /** Counts over every job, whatever the filters; null while loading. */
  counts: JobCountsSummary | null
  filters: JobFilters
  onFiltersChange(filters: JobFilters): void
}

/** Renders the job counts over the whole history, each a button that filters the grid to those jobs. */
export function CountsBar({ counts, filters, onFiltersChange }: CountsBarProps) {
  const current = JSON.stringify(filtersToQuery(filters))

  return (
    <div className="counts-bar" role="group" aria-label="Job counts">
      {ITEMS.map((item) => {
        const value = counts ? item.value(counts) : null
        return (
          <button
            key={item.label}
            type="button"
            className={`counts-bar__item counts-bar__item--${item.tone}`}
            aria-pressed={JSON.stringify(filtersToQuery(item.filters)) === current}
            onClick={() => onFiltersChange(item.filters)}
          >
            <span className="counts-bar__label">{item.label}</span>{' '}
            <span className="counts-bar__value">{value === null ? '…' : formatCount(value)}</span>
          </button>
        )
      })}
    </div>
  )
}
