import type { Banner } from './banner-context'

/** The next step after a backup failure, appended to the reason in its banner. */
export const BACKUP_RETRY_STEP = 'Once that is fixed, select Retry backup.'

/**
 * Returns the banner id of one job's backup outcome. The failure notice, a retry that fails again and a retry
 * that succeeds share it, so each replaces the previous banner and one job never shows two.
 */
export function backupBannerId(jobId: string): string {
  return `notice-backup-${jobId}`
}

/** Returns the body of a backup failure's banner: the reason, or where to find it, and the next step. */
export function backupFailureBody(reason: string | null): string {
  return `${reason ?? 'Open the job to see its backup attempts.'} ${BACKUP_RETRY_STEP}`
}

/** Builds the banner of a retry whose backup failed again. */
export function retryFailedBanner(jobId: string, fileName: string, reason: string | null, onShowJob: () => void): Banner {
  return {
    id: backupBannerId(jobId),
    tone: 'notice',
    title: `Backup failed again: ${fileName}`,
    body: backupFailureBody(reason),
    action: { label: 'Show job', onSelect: onShowJob },
  }
}

/** Builds the banner of a retry whose backup succeeded. */
export function retrySucceededBanner(jobId: string, fileName: string, archivePath: string | null): Banner {
  return {
    id: backupBannerId(jobId),
    tone: 'info',
    title: `Backup succeeded: ${fileName}`,
    body: archivePath ? `Archived as ${archivePath}.` : undefined,
  }
}
