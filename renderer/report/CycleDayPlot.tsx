import type { AccountingRow } from '../../shared/report'

const HEIGHT = 140
const PLOT_TOP = 16
const PLOT_BOTTOM = 116
const LEFT = 40
const BAR_WIDTH = 10
const GROUP_WIDTH = 28

interface DayTotals {
  cycleDate: string
  jobs: number
  failed: number
}

/** Sums the report rows per cycle date, in date order. */
export function totalsPerCycleDay(rows: readonly AccountingRow[]): DayTotals[] {
  const days = new Map<string, DayTotals>()
  for (const row of rows) {
    const day = days.get(row.cycleDate) ?? { cycleDate: row.cycleDate, jobs: 0, failed: 0 }
    day.jobs += row.jobs
    day.failed += row.failedJobs
    days.set(row.cycleDate, day)
  }
  return [...days.values()].sort((a, b) => a.cycleDate.localeCompare(b.cycleDate))
}

export interface CycleDayPlotProps {
  rows: readonly AccountingRow[]
}

/** Draws bars of jobs and failed jobs per cycle day as inline SVG. */
export function CycleDayPlot({ rows }: CycleDayPlotProps) {
  const days = totalsPerCycleDay(rows)
  if (days.length === 0) return null

  const maximum = Math.max(1, ...days.map((day) => day.jobs))
  const scale = (value: number) => ((PLOT_BOTTOM - PLOT_TOP) * value) / maximum
  const width = LEFT + days.length * GROUP_WIDTH + 8
  const first = days[0]?.cycleDate
  const last = days.at(-1)?.cycleDate

  return (
    <figure className="cycle-plot">
      <svg
        width={width}
        height={HEIGHT}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        role="img"
        aria-label={`Jobs and failed jobs per cycle day, ${first} to ${last}; at most ${maximum} jobs on one day`}
      >
        <line x1={LEFT - 4} x2={width} y1={PLOT_BOTTOM} y2={PLOT_BOTTOM} className="cycle-plot__axis" />
        <text x={LEFT - 8} y={PLOT_TOP + 4} textAnchor="end" className="cycle-plot__label">
          {maximum}
        </text>
        <text x={LEFT - 8} y={PLOT_BOTTOM} textAnchor="end" className="cycle-plot__label">
          0
        </text>
        {days.map((day, index) => {
          const x = LEFT + index * GROUP_WIDTH
          return (
            <g key={day.cycleDate}>
              <title>{`${day.cycleDate}: ${day.jobs} jobs, ${day.failed} failed`}</title>
              <rect x={x} y={PLOT_BOTTOM - scale(day.jobs)} width={BAR_WIDTH} height={scale(day.jobs)} className="cycle-plot__jobs" />
              <rect
                x={x + BAR_WIDTH + 1}
                y={PLOT_BOTTOM - scale(day.failed)}
                width={BAR_WIDTH}
                height={scale(day.failed)}
                className="cycle-plot__failed"
              />
            </g>
          )
        })}
        <text x={LEFT} y={HEIGHT - 4} className="cycle-plot__label">
          {first}
        </text>
        {days.length > 1 && (
          <text x={width - 8} y={HEIGHT - 4} textAnchor="end" className="cycle-plot__label">
            {last}
          </text>
        )}
      </svg>
      <figcaption>
        <span className="legend legend--jobs" aria-hidden="true" /> Jobs{' '}
        <span className="legend legend--failed" aria-hidden="true" /> Failed jobs
      </figcaption>
    </figure>
  )
}
