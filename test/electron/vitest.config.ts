import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

/** Config of the Electron suite, run by `npm run test:electron` (scripts/test-electron.mjs) and never by `npm test`. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/electron/**/*.test.ts'],
    pool: 'forks',
    // Each file launches its own Electron app; one at a time keeps them from competing for the display.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
