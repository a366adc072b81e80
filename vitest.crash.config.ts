import { defineConfig } from 'vitest/config'

// Long runs of the built command line, each over 2,000 files: the crash campaign (20 kill -9) and a run under a low
// open-file limit. `npm run test:crash` runs them one after the other, apart from the main suite, because they take
// minutes.
export default defineConfig({
  test: {
    include: ['test/crash/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
})
