import type { ArchivalFields, Job, ProcessingFields } from '../../shared/job'
import type { CountedJob, DetectionFields, JobRepository, NewJob, StoreRecovery } from './job-store-contract'

/**
 * A job repository that calls `onChange` with the new job after each change is on disk. The monitor wraps the
 * store with it, so every job event it emits announces a change that a crash can no longer lose.
 */
export class ObservedRepository implements JobRepository {
  constructor(
    private readonly inner: JobRepository,
    private readonly onChange: (job: Job) => void,
  ) {}

  get recovery(): StoreRecovery | null {
    return this.inner.recovery
  }

  all(): readonly Job[] {
    return this.inner.all()
  }

  get(id: string): Job | undefined {
    return this.inner.get(id)
  }

  findBySourcePath(sourcePath: string): Job[] {
    return this.inner.findBySourcePath(sourcePath)
  }

  findCountedBySha256(sha256: string, excludeId: string): CountedJob | undefined {
    return this.inner.findCountedBySha256(sha256, excludeId)
  }

  create(init: NewJob): Promise<Job> {
    return this.announce(this.inner.create(init))
  }

  updateProcessing(id: string, patch: Partial<ProcessingFields>): Promise<Job> {
    return this.announce(this.inner.updateProcessing(id, patch))
  }

  updateArchival(id: string, patch: Partial<ArchivalFields>): Promise<Job> {
    return this.announce(this.inner.updateArchival(id, patch))
  }

  updateDetection(id: string, patch: DetectionFields): Promise<Job> {
    return this.announce(this.inner.updateDetection(id, patch))
  }

  appendLog(id: string, message: string): Promise<Job> {
    return this.announce(this.inner.appendLog(id, message))
  }

  flush(): Promise<void> {
    return this.inner.flush()
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  private async announce(change: Promise<Job>): Promise<Job> {
    const job = await change
    this.onChange(job)
    return job
  }
}
