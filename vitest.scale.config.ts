import { defineConfig } from 'vitest/config'

// The burst of 10,000 files takes minutes, so `npm run test:scale` runs it on its own.
export default defineConfig({
  test: {
    include: ['test/scale/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 3_600_000,
    hookTimeout: 60_000,
  },
})
