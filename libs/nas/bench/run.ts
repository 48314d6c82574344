/** `npm run bench` in libs/nas: every benchmark of the package, each against its peer. */
import { runSearchBench } from './search.bench.js';

await runSearchBench();
