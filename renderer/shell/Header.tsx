import type { MonitorStatus } from '../../shared/api'
import { useNavigation } from '../navigation/navigation-context'
import type { ViewName } from '../navigation/url-state'

const VIEW_LABELS: Record<ViewName, string> = { jobs: 'Jobs', report: 'Accounting report', settings: 'Settings' }

export interface HeaderProps {
  status: MonitorStatus | null
}

/** Renders the title, the view switcher, the watching state and the index folder's problem when there is one. */
export function Header({ status }: HeaderProps) {
  const { state, navigate } = useNavigation()

  return (
    <header className="app-header">
      <h1>PUI Monitor</h1>
      <nav aria-label="Views">
        {(Object.keys(VIEW_LABELS) as ViewName[]).map((view) => (
          <button
            key={view}
            type="button"
            className="nav-button"
            aria-current={state.view === view ? 'page' : undefined}
            onClick={() => navigate((current) => ({ ...current, view }), 'push')}
          >
            {VIEW_LABELS[view]}
          </button>
        ))}
      </nav>
      {status && (
        <span className={status.paused ? 'watch-state watch-state--paused' : 'watch-state'}>
          <span aria-hidden="true">{status.paused ? '⏸ ' : '⟳ '}</span>
          {status.paused ? 'Paused' : 'Watching'} <code className="path">{status.indexDir}</code>
        </span>
      )}
      {status?.indexFolderProblem && (
        <p className="header-problem" role="alert">
          <span aria-hidden="true">⚠ </span>
          {status.indexFolderProblem}
        </p>
      )}
    </header>
  )
}
