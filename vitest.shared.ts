import { defineConfig } from 'vitest/config';

// 'source' resolves workspace packages to their TypeScript sources (see each package's exports map).
const conditions = ['source', 'module', 'node', 'development|production'];

/** The vitest config every package uses: tests next to the code, slow numeric tests allowed. */
export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
