import { assertNever, type ArchivalStatus, type JobStatus } from '../../shared/status'

type BadgeTone = 'neutral' | 'busy' | 'good' | 'warn' | 'bad'

interface BadgeLook {
  icon: string
  label: string
  tone: BadgeTone
}

/** Returns the icon, words and colour of a main status; the icon and words carry the meaning without the colour. */
export function jobStatusLook(status: JobStatus): BadgeLook {
  switch (status) {
    case 'PENDING':
      return { icon: '◷', label: 'Pending', tone: 'neutral' }
    case 'RUNNING':
      return { icon: '⟳', label: 'Running', tone: 'busy' }
    case 'SUCCESS':
      return { icon: '✓', label: 'Success', tone: 'good' }
    case 'WARNING':
      return { icon: '⚠', label: 'Warning', tone: 'warn' }
    case 'FAILED':
      return { icon: '✕', label: 'Failed', tone: 'bad' }
    default:
      return assertNever(status)
  }
}

/** Returns the icon, words and colour of an archival status. */
export function archivalStatusLook(status: ArchivalStatus): BadgeLook {
  switch (status) {
    case 'NOT_REQUIRED':
      return { icon: '–', label: 'Not required', tone: 'neutral' }
    case 'PENDING':
      return { icon: '◷', label: 'Pending', tone: 'neutral' }
    case 'IN_PROGRESS':
      return { icon: '⟳', label: 'In progress', tone: 'busy' }
    case 'BACKED_UP':
      return { icon: '✓', label: 'Backed up', tone: 'good' }
    case 'BACKUP_FAILURE':
      return { icon: '✕', label: 'Backup failure', tone: 'bad' }
    default:
      return assertNever(status)
  }
}

export interface StatusBadgeProps {
  look: BadgeLook
  /** The status value as stored, shown as the tooltip so it can be searched for in logs. */
  code: string
}

/** Renders a status as an icon and words on a tinted background. */
export function StatusBadge({ look, code }: StatusBadgeProps) {
  return (
    <span className={`badge badge--${look.tone}`} title={code}>
      <span className="badge__icon" aria-hidden="true">
        {look.icon}
      </span>
      {look.label}
    </span>
  )
}
