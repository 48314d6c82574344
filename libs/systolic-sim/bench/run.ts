/** `npm run bench` in libs/systolic-sim: every benchmark of the package, each against its peer. */
import { formatScaleSimBench, runScaleSimBench } from './scalesim.bench.js';
import { runSweepBench } from './sweep.bench.js';

runSweepBench();
console.log(formatScaleSimBench(runScaleSimBench()));
