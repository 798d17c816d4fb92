import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores on CI: two workers keep Azurite and the hosts responsive.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
