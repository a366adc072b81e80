import type { Job } from './job'

/**
 * Events the core emits. A job event is emitted after the store write that contains the change is on disk.
 */
export type MonitorEvent =
  | { type: 'job-changed'; job: Job }
  | { type: 'backup-failed'; job: Job }
  /** Share of a running job's file read so far, from 0 to 1; sent at most every few percent. */
  | { type: 'job-progress'; jobId: string; fraction: number }
  | { type: 'index-folder-missing'; path: string; message: string }
  | { type: 'index-folder-restored'; path: string }
  | { type: 'watching-paused' }
  | { type: 'watching-resumed' }
  | { type: 'store-recovered'; message: string }
  /** An error the user should see; `jobId` names the job when it concerns one, such as a failed move-only move. */
  | { type: 'error'; message: string; jobId?: string }
