#!/usr/bin/env node
// The `fuselab` command. The TypeScript sources are compiled to dist/ by the set-up (npm run build).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
