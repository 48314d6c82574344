import { packageTestConfig } from '../../vitest.base.js';

// Unit tests of the pure helpers (CSV guard, LaTeX, URL state, series shaping); the browser is
// exercised end to end in tests/dashboard/.
export default packageTestConfig();
