/**
 * Runs one save at a time and folds every request made while a save runs into the next single save.
 *
 * `request()` resolves once a save that started after the call has completed, so the caller's change is in it.
 * Requests made in the same tick share one save, because the first save starts in a microtask.
 */
export class CoalescingWriter {
  private requestCount = 0
  private savedCount = 0
  private queued: Deferred | null = null
  private idle: Deferred | null = null

  constructor(
    /** Saves the current state. It must take its snapshot synchronously, before its first await. */
    private readonly save: () => Promise<void>,
    /** Called with each failed save's error and the number of requests it left unsaved; their promises reject with it. */
    private readonly onFailure: (error: unknown, unsavedRequests: number) => void,
  ) {}

  /** Queues a save that includes every change made so far, and returns its promise. */
  request(): Promise<void> {
    this.requestCount += 1
    return this.schedule()
  }

  /** Resolves once every request made so far is saved; saves again when the last save failed. */
  async flush(): Promise<void> {
    await this.idle?.promise
    if (this.requestCount > this.savedCount) {
      await this.schedule()
    }
  }

  private schedule(): Promise<void> {
    this.queued ??= createDeferred()
    const saved = this.queued.promise
    if (this.idle === null) {
      this.idle = createDeferred()
      queueMicrotask(() => void this.run())
    }
    return saved
  }

  private async run(): Promise<void> {
    while (this.queued !== null) {
      const batch = this.queued
      this.queued = null
      const includedCount = this.requestCount
      try {
        await this.save()
        this.savedCount = includedCount
        batch.resolve()
      } catch (error) {
        this.onFailure(error, this.requestCount - this.savedCount)
        batch.reject(error)
      }
    }
    const idle = this.idle
    this.idle = null
    idle?.resolve()
  }
}

interface Deferred {
  promise: Promise<void>
  resolve(): void
  reject(error: unknown): void
}

function createDeferred(): Deferred {
  let resolve!: () => void
  let reject!: (error: unknown) => void
  const promise = new Promise<void>((onResolve, onReject) => {
    resolve = onResolve
    reject = onReject
  })
  return { promise, resolve, reject }
}
