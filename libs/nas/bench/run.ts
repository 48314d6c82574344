/** `npm run bench` in libs/nas: every benchmark of the package, each against its peer. */
import { runProxiesBench } from './proxies.bench.js';
import { runSearchBench } from './search.bench.js';

const only = process.argv[2];
if (only === undefined || only === 'search') await runSearchBench();
if (only === undefined || only === 'proxies') await runProxiesBench();
