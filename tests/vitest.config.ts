import { packageTestConfig } from '../vitest.base.js';

// Cross-package and end-to-end tests: they run the built CLI, so they take longer per test.
//
// dangerouslyIgnoreUnhandledErrors: the suites that train in this process (the uninterrupted
// reference runs of the training and fault tests; workers train in child processes) hold the
// event loop for seconds at a time with tfjs steps (the loop yields between steps), and on a
// loaded 2-core machine vitest's own worker→main RPC ("onTaskUpdate") has missed its 60 s timeout
// and been reported as an unhandled error after every test had passed (also seen once in
// libs/nos's suite with two trainings running beside it). Which wait exceeds 60 s is not pinned
// down. Failed tests and assertions still fail the run; this keeps that RPC timeout from failing a
// green one.
export default packageTestConfig({
  include: ['**/*.test.ts'],
  exclude: ['node_modules/**'],
  testTimeout: 60_000,
  dangerouslyIgnoreUnhandledErrors: true,
});
