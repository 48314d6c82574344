import { packageTestConfig } from '../vitest.base.js';

// Cross-package and end-to-end tests: they run the built CLI, so they take longer per test.
export default packageTestConfig({ include: ['**/*.test.ts'], exclude: ['node_modules/**'], testTimeout: 60_000 });
