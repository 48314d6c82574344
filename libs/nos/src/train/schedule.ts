/** Learning-rate schedules and the NOS scaffold annealing, as pure functions of the step. */

export type LrSchedule =
  | { kind: 'constant' }
  /** Cosine decay from the base rate to `minLr` (default 0) over all steps, after an optional linear warm-up. */
  | { kind: 'cosine'; minLr?: number; warmupSteps?: number }
  /** Multiply by `gamma` every `everyEpochs` epochs, or at each epoch in `milestones`. */
  | { kind: 'step'; gamma: number; everyEpochs?: number; milestones?: readonly number[] };

/** Learning rate for the 0-based optimizer step `step` of `totalSteps`. */
export function learningRateAt(schedule: LrSchedule, baseLr: number, step: number, totalSteps: number, stepsPerEpoch: number): number {
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'cosine': {
      const minLr = schedule.minLr ?? 0;
      const warm = schedule.warmupSteps ?? 0;
      if (step < warm) return (baseLr * (step + 1)) / warm;
      const span = Math.max(1, totalSteps - warm);
      const t = Math.min(1, (step - warm) / span);
      return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * t));
    }
    case 'step': {
      const epoch = Math.floor(step / Math.max(1, stepsPerEpoch));
      let drops = 0;
      if (schedule.milestones !== undefined) drops = schedule.milestones.filter((m) => epoch >= m).length;
      else if (schedule.everyEpochs !== undefined && schedule.everyEpochs > 0) drops = Math.floor(epoch / schedule.everyEpochs);
      return baseLr * schedule.gamma ** drops;
    }
  }
}

/** How the NOS scaffold weight falls from 1 to 0. */
export interface AnnealSchedule {
  /** `cosine` (default): ½(1 + cos(π·t/T)); `linear`: 1 − t/T; `none`: 1 throughout (never annealed). */
  kind?: 'cosine' | 'linear' | 'none';
  /** T as a fraction of all training steps (default 0.5); the weight is 0 from then on. */
  fraction?: number;
}

/** Scaffold weight multiplier in [0, 1] at step `step` of `totalSteps`. */
export function annealFactor(schedule: AnnealSchedule, step: number, totalSteps: number): number {
  const kind = schedule.kind ?? 'cosine';
  if (kind === 'none') return 1;
  const end = Math.max(1, (schedule.fraction ?? 0.5) * totalSteps);
  const t = step / end;
  if (t >= 1) return 0;
  return kind === 'linear' ? 1 - t : 0.5 * (1 + Math.cos(Math.PI * t));
}
