// Runs every benchmark in its own process, so one's memory does not skew another's.
import { execFileSync } from 'node:child_process'

for (const script of ['bench/parse.ts', 'bench/pipeline.ts']) {
  execFileSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' })
}
