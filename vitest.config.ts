import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Long runs with their own commands: `npm run test:crash` and `npm run test:scale`.
    exclude: [...configDefaults.exclude, 'test/crash/**', 'test/scale/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
