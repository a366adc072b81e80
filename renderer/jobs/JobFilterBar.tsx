import { useEffect, useId, useRef, useState } from 'react'
import { ARCHIVAL_STATUSES, JOB_STATUSES } from '../../shared/status'
import { EMPTY_FILTERS, hasActiveFilters, type JobFilters } from './job-filters'
import { archivalStatusLook, jobStatusLook } from './StatusBadge'

/** Pause in typing after which the search text reaches the query. */
const TEXT_DEBOUNCE_MS = 250

export interface JobFilterBarProps {
  filters: JobFilters
  /** Job types to offer, besides the ones already selected. */
  jobTypes: readonly string[]
  onFiltersChange(filters: JobFilters): void
}

/** Renders the job grid's filters: search text, status, archival status, job type and detection dates. */
export function JobFilterBar({ filters, jobTypes, onFiltersChange }: JobFilterBarProps) {
  const [text, setText] = useState(filters.text)

  useEffect(() => setText(filters.text), [filters.text])

  useEffect(() => {
    if (text === filters.text) return
    const timer = setTimeout(() => onFiltersChange({ ...filters, text }), TEXT_DEBOUNCE_MS)
    return () => clearTimeout(timer)
  }, [text, filters, onFiltersChange])

  const typeOptions = [...new Set([...jobTypes, ...filters.jobType])].sort()

  return (
    <div className="filter-bar" role="search" aria-label="Job filters">
      <input
        type="search"
        className="filter-bar__search"
        aria-label="Search file name, client or job id"
        placeholder="Search file name, client or job id"
        value={text}
        maxLength={200}
        onChange={(event) => setText(event.target.value)}
      />
      <CheckboxMenu
        legend="Status"
        options={JOB_STATUSES.map((status) => ({ value: status, label: jobStatusLook(status).label }))}
        selected={filters.status}
        onChange={(status) => onFiltersChange({ ...filters, status })}
      />
      <CheckboxMenu
        legend="Archival status"
        options={ARCHIVAL_STATUSES.map((status) => ({ value: status, label: archivalStatusLook(status).label }))}
        selected={filters.archivalStatus}
        onChange={(archivalStatus) => onFiltersChange({ ...filters, archivalStatus })}
      />
      <CheckboxMenu
        legend="Job type"
        options={typeOptions.map((name) => ({ value: name, label: name }))}
        selected={filters.jobType}
        onChange={(jobType) => onFiltersChange({ ...filters, jobType })}
      />
      <label className="filter-bar__field" title="Days in UTC, as the server stores detection times">
        Detected from
        <input
          type="date"
          value={filters.detectedFrom ?? ''}
          onChange={(event) => onFiltersChange({ ...filters, detectedFrom: event.target.value || null })}
        />
      </label>
      <label className="filter-bar__field">
        to
        <input
          type="date"
          value={filters.detectedTo ?? ''}
          onChange={(event) => onFiltersChange({ ...filters, detectedTo: event.target.value || null })}
        />
      </label>
      <label className="filter-bar__field">
        <input
          type="checkbox"
          checked={filters.failuresOnly}
          onChange={(event) => onFiltersChange({ ...filters, failuresOnly: event.target.checked })}
        />
        Failures only
      </label>
      <button type="button" disabled={!hasActiveFilters(filters)} onClick={() => onFiltersChange(EMPTY_FILTERS)}>
        Clear filters
      </button>
    </div>
  )
}

interface CheckboxMenuProps<T extends string> {
  legend: string
  options: { value: T; label: string }[]
  selected: readonly T[]
  onChange(selected: T[]): void
}

/** Renders a drop-down group of checkboxes whose closed summary lists the selected values. */
function CheckboxMenu<T extends string>({ legend, options, selected, onChange }: CheckboxMenuProps<T>) {
  const legendId = useId()
  const menuRef = useRef<HTMLDetailsElement>(null)
  const chosen = options.filter((option) => selected.includes(option.value)).map((option) => option.label)

  // A native <details> stays open until its summary is clicked again; menus close on a click elsewhere.
  useEffect(() => {
    const closeOutside = (event: PointerEvent) => {
      const menu = menuRef.current
      if (menu?.open && event.target instanceof Node && !menu.contains(event.target)) menu.open = false
    }
    document.addEventListener('pointerdown', closeOutside)
    return () => document.removeEventListener('pointerdown', closeOutside)
  }, [])

  return (
    <details
      ref={menuRef}
      className="checkbox-menu"
      onKeyDown={(event) => {
        if (event.key === 'Escape' && menuRef.current?.open) {
          menuRef.current.open = false
          menuRef.current.querySelector('summary')?.focus()
        }
      }}
    >
      <summary>
        {legend}: {chosen.length === 0 ? 'any' : chosen.join(', ')}
      </summary>
      <div className="checkbox-menu__options" role="group" aria-labelledby={legendId}>
        <span id={legendId} className="visually-hidden">
          {legend}
        </span>
        {options.length === 0 && <span className="checkbox-menu__empty">No values yet</span>}
        {options.map((option) => (
          <label key={option.value}>
            <input
              type="checkbox"
              checked={selected.includes(option.value)}
              onChange={(event) =>
                onChange(
                  event.target.checked
                    ? [...selected, option.value]
                    : selected.filter((value) => value !== option.value),
                )
              }
            />
            {option.label}
          </label>
        ))}
      </div>
    </details>
  )
}
