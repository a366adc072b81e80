import { defineConfig } from 'vitest/config'

// The crash campaign kills the built command line 20 times over a 2,000-file run; `npm run test:crash` runs it
// on its own because it takes minutes.
export default defineConfig({
  test: {
    include: ['test/crash/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
})
