import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once per run when it is missing or older than src/ (the CLI tests run dist/cli/main.js).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The interop tests spawn many processes; two workers suit a 2-core machine.
    pool: 'forks',
  },
});
