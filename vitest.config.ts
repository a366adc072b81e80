import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The Electron suite needs Electron's binary and runs with its own config: npm run test:electron.
    exclude: [...configDefaults.exclude, 'test/electron/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
