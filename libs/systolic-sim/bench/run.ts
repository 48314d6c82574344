/** `npm run bench` in libs/systolic-sim: every benchmark of the package, each against its peer. */
import { runSweepBench } from './sweep.bench.js';

runSweepBench();
