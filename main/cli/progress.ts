import { SingleBar, Presets } from 'cli-progress'

/** Shows progress of a long run: a bar on a terminal, a count line every few seconds otherwise. */
export interface ProgressReporter {
  update(done: number, total: number): void
  stop(): void
}

const PLAIN_REPORT_INTERVAL_MS = 5_000

export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total}`, stream, hideCursor: true }, Presets.shades_classic)
    let started = false
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, done)
          started = true
        }
        bar.setTotal(total)
        bar.update(done)
      },
      stop: () => {
        if (started) bar.stop()
      },
    }
  }

  let lastReport = 0
  let last = ''
  return {
    update(done, total) {
      last = `${label}: ${done}/${total}`
      const now = Date.now()
      if (now - lastReport < PLAIN_REPORT_INTERVAL_MS) return
      lastReport = now
      stream.write(`${last}\n`)
    },
    stop() {
      if (last) stream.write(`${last}\n`)
    },
  }
}
