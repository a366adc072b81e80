import type { Job } from '../../shared/job'
import { formatDateTime, formatDuration } from '../common/format'

export interface BackupAttemptsProps {
  job: Job
}

/**
 * Renders a job's backup attempts as a list: a line with the time, outcome, error code and duration, and the
 * message below it, wrapped to the width of the details panel.
 */
export function BackupAttempts({ job }: BackupAttemptsProps) {
  if (job.backupAttempts.length === 0) {
    return (
      <section>
        <h3>Backup attempts</h3>
        <p>None{job.backupCallback === 'archive' ? ' yet.' : `: the job type's backup callback is ${job.backupCallback}.`}</p>
      </section>
    )
  }

  return (
    <section>
      <h3>Backup attempts</h3>
      <ol className="attempts">
        {job.backupAttempts.map((attempt, index) => (
          <li key={index} className={attempt.outcome === 'failure' ? 'attempt attempt--failure' : 'attempt'}>
            <div className="attempt__summary">
              <time dateTime={attempt.at}>{formatDateTime(attempt.at)}</time>
              <span className="attempt__outcome">
                <span aria-hidden="true">{attempt.outcome === 'success' ? '✓ ' : '✕ '}</span>
                {attempt.outcome === 'success' ? 'Success' : 'Failure'}
              </span>
              {attempt.code && <code>{attempt.code}</code>}
              <span className="attempt__duration">{formatDuration(attempt.durationMs)}</span>
            </div>
            {attempt.message && <p className="attempt__message">{attempt.message}</p>}
          </li>
        ))}
      </ol>
    </section>
  )
}
