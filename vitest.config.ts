import { configDefaults, defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Long runs and the Electron suite have their own commands: `npm run test:crash`, `npm run test:scale` and
    // `npm run test:electron` (which needs Electron's binary).
    exclude: [...configDefaults.exclude, 'test/crash/**', 'test/scale/**', 'test/electron/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
