import { JOB_SORT_COLUMNS, JobIdSchema, type JobSortColumn } from '../../shared/api'
import { ARCHIVAL_STATUSES, JOB_STATUSES } from '../../shared/status'
import { EMPTY_FILTERS, type JobFilters, type JobSort } from '../jobs/job-filters'

export const VIEWS = ['jobs', 'report', 'settings'] as const
export type ViewName = (typeof VIEWS)[number]

/** Everything the page URL carries, so a link or a notification can open the app on one job or on the failures. */
export interface UrlState {
  view: ViewName
  filters: JobFilters
  sort: JobSort | null
  /** The selected job, which the details panel shows. */
  jobId: string | null
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Parses the page's query string; unknown or invalid values are dropped rather than sent to the server. */
export function parseUrlState(search: string): UrlState {
  const parameters = new URLSearchParams(search)
  const view = parameters.get('view')
  const jobId = parameters.get('job')

  return {
    view: VIEWS.find((name) => name === view) ?? 'jobs',
    filters: {
      text: parameters.get('q') ?? '',
      status: listParameter(parameters, 'status', JOB_STATUSES),
      archivalStatus: listParameter(parameters, 'archival', ARCHIVAL_STATUSES),
      jobType: (parameters.get('type') ?? '').split(',').filter((name) => name.length > 0),
      detectedFrom: dayParameter(parameters, 'from'),
      detectedTo: dayParameter(parameters, 'to'),
      failuresOnly: parameters.get('failures') === '1',
    },
    sort: parseSort(parameters.get('sort')),
    jobId: jobId && JobIdSchema.safeParse(jobId).success ? jobId : null,
  }
}

/** Formats the state as a query string (with the leading `?`), keeping the access token when there is one. */
export function formatUrlState(state: UrlState, token: string | null): string {
  const parameters = new URLSearchParams()
  if (token) parameters.set('token', token)
  if (state.view !== 'jobs') parameters.set('view', state.view)

  const { filters } = state
  if (filters.text) parameters.set('q', filters.text)
  if (filters.status.length > 0) parameters.set('status', filters.status.join(','))
  if (filters.archivalStatus.length > 0) parameters.set('archival', filters.archivalStatus.join(','))
  if (filters.jobType.length > 0) parameters.set('type', filters.jobType.join(','))
  if (filters.detectedFrom) parameters.set('from', filters.detectedFrom)
  if (filters.detectedTo) parameters.set('to', filters.detectedTo)
  if (filters.failuresOnly) parameters.set('failures', '1')
  if (state.sort) parameters.set('sort', `${state.sort.column}:${state.sort.direction}`)
  if (state.jobId) parameters.set('job', state.jobId)

  const text = parameters.toString()
  return text ? `?${text}` : ''
}

/** The state of a page opened without parameters. */
export const INITIAL_URL_STATE: UrlState = { view: 'jobs', filters: EMPTY_FILTERS, sort: null, jobId: null }

function listParameter<T extends string>(parameters: URLSearchParams, name: string, allowed: readonly T[]): T[] {
  const values = (parameters.get(name) ?? '').split(',')
  return allowed.filter((value) => values.includes(value))
}

function dayParameter(parameters: URLSearchParams, name: string): string | null {
  const value = parameters.get(name)
  return value && DAY.test(value) ? value : null
}

function parseSort(value: string | null): JobSort | null {
  if (!value) return null
  const [column, direction] = value.split(':')
  const known = JOB_SORT_COLUMNS.find((name): name is JobSortColumn => name === column)
  if (!known || (direction !== 'asc' && direction !== 'desc')) return null
  return { column: known, direction }
}
