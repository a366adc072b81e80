import { useEffect, useRef, useState, type ReactNode } from 'react'
import type { JobRow } from '../../shared/api'
import type { Job } from '../../shared/job'
import { useApi } from '../api/api-context'
import { CopyButton } from '../common/CopyButton'
import { errorMessage } from '../common/errors'
import { formatBytes, formatCount, formatDateTime, formatDuration } from '../common/format'
import { toJobRow } from '../../shared/job-row'
import { BackupAttempts } from './BackupAttempts'
import { StatusBadge, archivalStatusLook, jobStatusLook } from './StatusBadge'

export interface JobDetailsProps {
  jobId: string
  retrying: boolean
  onRetry(row: JobRow): void
  onOpenJob(id: string): void
  onClose(): void
  /** A counter: each increase moves focus to the heading, and zero leaves focus where it is. */
  focusRequest?: number
}

/** Renders everything stored about one job, reloaded whenever an event reports a change to it. */
export function JobDetails({ jobId, retrying, onRetry, onOpenJob, onClose, focusRequest = 0 }: JobDetailsProps) {
  const api = useApi()
  const headingRef = useRef<HTMLHeadingElement>(null)
  useEffect(() => {
    if (focusRequest > 0) headingRef.current?.focus()
  }, [focusRequest])

  const [job, setJob] = useState<Job | null>(null)
  const [problem, setProblem] = useState<string | null>(null)

  useEffect(() => {
    let current = true
    const load = () =>
      api.getJob(jobId).then(
        (loaded) => {
          if (!current) return
          setJob(loaded)
          setProblem(null)
        },
        (error: unknown) => {
          if (current) setProblem(`Loading job ${jobId} failed: ${errorMessage(error)}`)
        },
      )

    setJob(null)
    void load()
    const unsubscribe = api.subscribe((event) => {
      if ('rows' in event && event.rows.some((row) => row.id === jobId)) void load()
    })
    return () => {
      current = false
      unsubscribe()
    }
  }, [api, jobId])

  return (
    <aside
      className="job-details"
      aria-label={`Details of job ${jobId}`}
      onKeyDown={(event) => {
        if (event.key === 'Escape') onClose()
      }}
    >
      <header className="job-details__header">
        <h2 ref={headingRef} tabIndex={-1}>
          {job ? job.fileName : jobId}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close details">
          ✕
        </button>
      </header>
      {problem && <p className="form-error">{problem}</p>}
      {!job && !problem && <p>Loading…</p>}
      {job && (
        <JobDetailsContent
          job={job}
          retrying={retrying}
          onRetry={onRetry}
          onAcknowledge={() =>
            api.acknowledgeFailure(job.id).then(setJob, (error: unknown) => setProblem(`Acknowledging the failure of ${job.fileName} failed: ${errorMessage(error)}`))
          }
          onOpenJob={onOpenJob}
        />
      )}
    </aside>
  )
}

interface JobDetailsContentProps {
  job: Job
  retrying: boolean
  onRetry(row: JobRow): void
  onAcknowledge(): Promise<void>
  onOpenJob(id: string): void
}

function JobDetailsContent({ job, retrying, onRetry, onAcknowledge, onOpenJob }: JobDetailsContentProps) {
  const [acknowledging, setAcknowledging] = useState(false)
  const durationMs = job.startedAt && job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : null

  return (
    <>
      <div className="job-details__statuses">
        <StatusBadge look={jobStatusLook(job.status)} code={job.status} />
        <StatusBadge look={archivalStatusLook(job.archivalStatus)} code={job.archivalStatus} />
        {job.archivalStatus === 'BACKUP_FAILURE' && (
          <button
            type="button"
            className="button--danger"
            disabled={retrying}
            aria-label={`Retry backup for ${job.fileName}`}
            onClick={() => onRetry(toJobRow(job))}
          >
            {retrying ? 'Retrying…' : 'Retry backup'}
          </button>
        )}
        {job.archivalStatus === 'BACKUP_FAILURE' && job.failureAcknowledgedAt === null && (
          <button
            type="button"
            disabled={acknowledging}
            aria-label={`Acknowledge the backup failure of ${job.fileName}`}
            title="Keeps the job red but stops counting it in the tray"
            onClick={() => {
              setAcknowledging(true)
              void onAcknowledge().finally(() => setAcknowledging(false))
            }}
          >
            {acknowledging ? 'Acknowledging…' : 'Acknowledge failure'}
          </button>
        )}
        {job.archivalStatus === 'BACKUP_FAILURE' && job.failureAcknowledgedAt !== null && (
          <span className="job-details__acknowledged">
            <span aria-hidden="true">✓</span> Acknowledged {formatDateTime(job.failureAcknowledgedAt)}
          </span>
        )}
      </div>

      {job.error && (
        <section className="job-details__error" aria-label="Processing error">
          <strong>{job.error.code}</strong>: {job.error.message}
          {job.duplicateOf && (
            <button type="button" className="button--link" onClick={() => onOpenJob(job.duplicateOf ?? '')}>
              Open {job.duplicateOf}
            </button>
          )}
        </section>
      )}

      <dl className="facts">
        <Fact term="Job id">{job.id}</Fact>
        <Fact term="Source path">
          <code className="path">{job.sourcePath}</code> <CopyButton text={job.sourcePath} subject="source path" />
        </Fact>
        <Fact term="Archive path">
          {job.archivePath ? (
            <>
              <code className="path">{job.archivePath}</code> <CopyButton text={job.archivePath} subject="archive path" />
            </>
          ) : (
            '—'
          )}
        </Fact>
        <Fact term="Size">{formatBytes(job.size ?? job.detectedSize)}</Fact>
        <Fact term="SHA-256">
          {job.sha256 ? (
            <>
              <code className="hash">{job.sha256}</code> <CopyButton text={job.sha256} subject="SHA-256" />
            </>
          ) : (
            '—'
          )}
        </Fact>
        <Fact term="Job type">{job.jobType ?? '—'}</Fact>
        <Fact term="Backup callback">{job.backupCallback}</Fact>
        <Fact term="Client">{job.client ?? '—'}</Fact>
        <Fact term="Cycle date">{job.cycleDate ?? '—'}</Fact>
        <Fact term="Detected at">{formatDateTime(job.detectedAt)}</Fact>
        <Fact term="Started at">{formatDateTime(job.startedAt)}</Fact>
        <Fact term="Finished at">{formatDateTime(job.finishedAt)}</Fact>
        <Fact term="Duration">{formatDuration(durationMs)}</Fact>
        <Fact term="Records">
          {formatCount(job.counts.records)} ({formatCount(job.counts.accepted)} accepted,{' '}
          {formatCount(job.counts.rejected)} rejected)
        </Fact>
        <Fact term="Pages">{formatCount(job.counts.pages)}</Fact>
      </dl>

      <RejectionSample job={job} />
      <BackupAttempts job={job} />

      {job.log.length > 0 && (
        <section aria-label="Job log">
          <h3>Log</h3>
          <ol className="job-log">
            {job.log.map((entry, index) => (
              <li key={index}>
                <time dateTime={entry.at}>{formatDateTime(entry.at)}</time> {entry.message}
              </li>
            ))}
          </ol>
        </section>
      )}
    </>
  )
}

interface FactProps {
  term: string
  children: ReactNode
}

function Fact({ term, children }: FactProps) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </>
  )
}

interface JobSectionProps {
  job: Job
}

function RejectionSample({ job }: JobSectionProps) {
  if (job.rejections.length === 0) return null
  const sampleSize = job.rejections.length
  const caption =
    sampleSize < job.counts.rejected
      ? `Rejected records: the first ${formatCount(sampleSize)} of ${formatCount(job.counts.rejected)}`
      : 'Rejected records'

  return (
    <section>
      <h3>{caption}</h3>
      <table className="plain-table">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {job.rejections.map((rejection) => (
            <tr key={rejection.line}>
              <td className="numeric">{rejection.line}</td>
              <td>{rejection.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
