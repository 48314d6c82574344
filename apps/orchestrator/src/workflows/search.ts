/**
 * The search workflow (task queue `fuselab-nas`): one per search job, a child of the campaign
 * workflow. It keeps libs/nas' strategy in workflow code — `ask`/`tell` are pure, seeded JS — and
 * runs each generation's evaluations as parallel activities (bounded), then records the front
 * after the generation in SQL. Every `generationsPerRun` generations it continues as new with the
 * strategy's state (small JSON), so a long search keeps a bounded history. Deterministic: no I/O,
 * no clocks; tfjs (synflow) is loaded only by the evaluation activity, and the bundler stubs it out
 * of the workflow bundle (temporal/worker.ts WORKFLOW_BUNDLER_OPTIONS).
 */
import {
  ApplicationFailure,
  CancellationScope,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import {
  createStrategy,
  fromState,
  meanAndSd,
  penalisedObjectives,
  type Candidate,
  type ObjectiveValues,
  type Strategy,
  type StrategyState,
} from '@fuselab/nas';
import { ZERO_COST_PT } from '../choices.js';
import { TASK_QUEUES, type SearchJobParams } from '../campaigns/expand.js';
import { constraintCheckOf, SEARCH_ASK_BATCH, searchSpaceOf, strategyOptionsOf, SUPERNET_SCORE_CHUNK } from '../campaigns/search.js';
import type { Confirmation, SearchActivities, TrainedCandidate } from '../activities/types.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../errors/input-errors.js';
import { allEnded } from './all-ended.js';
import { BOOKKEEPING_WAITS_PATCH, trainingActivities, waitingOnCancel } from './cancellation.js';

/**
 * libs/nas clones its (plain JSON) strategy state with `structuredClone`, which the workflow
 * sandbox does not provide. This exact deep copy of plain data (arrays, objects, numbers
 * including NaN and -0, strings, booleans, null, undefined) stands in for it; it is deterministic.
 */
export function clonePlainData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => clonePlainData(item)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) out[key] = clonePlainData(item);
  return out as T;
}
const sandbox = globalThis as { structuredClone?: unknown };
if (typeof sandbox.structuredClone !== 'function') sandbox.structuredClone = clonePlainData;

/** Generations per workflow run before continue-as-new (default). */
export const DEFAULT_GENERATIONS_PER_RUN = 10;
/** Evaluation activities at once per search (default). */
export const DEFAULT_SEARCH_PARALLEL = 8;

export interface SearchWorkflowInput {
  campaignId: string;
  /** The search job's position in the campaign (the activity reads key and parameters from SQL). */
  position: number;
  force: boolean;
  generationsPerRun?: number;
  parallel?: number;
  /** Set by continue-as-new: where the previous run stopped. */
  resume?: { key: string; params: SearchJobParams; state: StrategyState; generation: number; evaluations: number; runs: number };
}

export interface SearchProgress {
  campaignId: string;
  position: number;
  key: string | null;
  status: 'starting' | 'running' | 'completed' | 'cancelled';
  strategy: string | null;
  budget: number;
  evaluations: number;
  /** Generations (ask/evaluate/tell rounds) finished. */
  generation: number;
  /** Workflow runs so far (1 + continue-as-new count). */
  run: number;
  /** Size of the Pareto front after the last generation. */
  front: number;
  /** A search with `confirm`, once its front is being trained again: trainings finished of all. */
  confirmations?: { done: number; total: number };
}

export const searchProgressQuery = defineQuery<SearchProgress>('progress');
export const searchCancelSignal = defineSignal<[string?]>('cancel');

// The search's bookkeeping writes rows (the job, fronts, the result): a cancel waits for it (v6).
const book = waitingOnCancel<SearchActivities>(
  {
    taskQueue: TASK_QUEUES.nas,
    startToCloseTimeout: '5 minutes',
    retry: { maximumAttempts: 10, initialInterval: '1 second', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
  },
  BOOKKEEPING_WAITS_PATCH,
);

const evaluate = waitingOnCancel<SearchActivities>({
  taskQueue: TASK_QUEUES.nas,
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES] },
});

/** Candidates that differ only in their array gene are one network (trained or scored once). */
const networkOf = (candidate: Candidate) => `${candidate.operators.join(',')}~${candidate.fidelity ?? 1}`;

/**
 * A generation's inherited accuracies on the search's supernet: each distinct feasible network
 * once, in chunks of SUPERNET_SCORE_CHUNK activities (spread over the train workers, each loading
 * the data and the supernet once), keyed by networkOf.
 */
async function scoreOnSupernet(
  campaignId: string,
  jobKey: string,
  params: SearchJobParams,
  supernetKey: string,
  asked: readonly Candidate[],
  check: ReturnType<typeof constraintCheckOf>,
): Promise<Map<string, { key: string; testAccuracy: number }>> {
  const networks = new Map<string, string[]>();
  for (const candidate of asked) if ((check?.violation(candidate) ?? 0) <= 0) networks.set(networkOf(candidate), [...candidate.operators]);
  const entries = [...networks];
  const chunks: Array<typeof entries> = [];
  for (let i = 0; i < entries.length; i += SUPERNET_SCORE_CHUNK) chunks.push(entries.slice(i, i + SUPERNET_SCORE_CHUNK));
  const accuracies = await allEnded(() =>
    chunks.map((chunk) =>
      trainingActivities().scoreSupernetCandidates({
        campaignId,
        jobKey,
        params,
        supernetKey,
        paths: chunk.map(([, operators]) => operators),
      }),
    ),
  );
  const scored = new Map<string, { key: string; testAccuracy: number }>();
  chunks.forEach((chunk, c) =>
    chunk.forEach(([network], i) => scored.set(network, { key: supernetKey, testAccuracy: accuracies[c]![i]! })),
  );
  return scored;
}

/**
 * A zero-cost-pt search's one evaluation: the network Zero-Cost-PT chooses — on the search's
 * trained supernet (method supernet: its inherited accuracy is the candidate's), else on an
 * untrained one of the search's seed, then trained like an accuracy search's candidate.
 */
async function zeroCostPtSearch(campaignId: string, jobKey: string, params: SearchJobParams): Promise<void> {
  const supernet =
    params.training?.method === 'supernet' ? await trainingActivities().trainSearchSupernet({ campaignId, jobKey, params }) : undefined;
  const chosen = await trainingActivities().selectByZeroCostPt({
    campaignId,
    jobKey,
    params,
    ...(supernet ? { supernetKey: supernet.key } : {}),
  });
  const candidate = { operators: chosen.operators };
  const trained = supernet
    ? { key: supernet.key, testAccuracy: chosen.accuracy! }
    : await trainCandidate(campaignId, jobKey, params, candidate);
  await evaluate().evaluateSearchCandidate({ campaignId, jobKey, params, index: 0, generation: 0, candidate, trained });
}

/**
 * A candidate's training(s) for the `accuracy` objective: one fuselab-train activity at the
 * search's training seed or, with training `seeds`, one per seed at once, the accuracy their mean.
 */
async function trainCandidate(
  campaignId: string,
  jobKey: string,
  params: SearchJobParams,
  candidate: Candidate | { operators: string[] },
): Promise<TrainedCandidate> {
  const seeds = params.training?.seeds;
  // One seed: exactly the activity call searches always made (recorded histories replay).
  if (!seeds) {
    const t = await trainingActivities().trainSearchCandidate({ campaignId, jobKey, params, candidate });
    return { key: t.key, testAccuracy: t.testAccuracy! };
  }
  const trained = await allEnded(() =>
    seeds.map((seed) =>
      trainingActivities()
        .trainSearchCandidate({ campaignId, jobKey, params, candidate, seed })
        .then((t) => ({ seed, key: t.key, testAccuracy: t.testAccuracy! })),
    ),
  );
  // In seed order (allEnded keeps it), so the mean is the same number on every replay.
  return { key: trained[0]!.key, testAccuracy: meanAndSd(trained.map((t) => t.testAccuracy)).mean, seeds: trained };
}

/**
 * A search with `confirm`: every network of its one-seed front (its first `confirm.fronts`
 * non-dominated fronts) trained again at each confirmation seed — fuselab-train activities, `parallel` at once, keyed like any training (a `trainings`
 * entry of that network and seed shares the job), so a retried or re-run search trains nothing
 * twice. Searches without `confirm` never get here (recorded histories replay unchanged).
 */
async function trainConfirmations(
  campaignId: string,
  jobKey: string,
  params: SearchJobParams,
  parallel: number,
  progress: SearchProgress,
): Promise<Confirmation[]> {
  const networks = await book().frontNetworks({ jobKey, params });
  const tasks = networks.flatMap((operators) => params.confirm!.seeds.map((seed) => ({ operators, seed })));
  progress.confirmations = { done: 0, total: tasks.length };
  const confirmations = new Array<Confirmation>(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      const { operators, seed } = tasks[i]!;
      const trained = await trainingActivities().trainSearchCandidate({ campaignId, jobKey, params, candidate: { operators }, seed });
      confirmations[i] = { operators, seed, key: trained.key, testAccuracy: trained.testAccuracy! };
      progress.confirmations!.done++;
    }
  };
  await allEnded(() => Array.from({ length: Math.min(parallel, tasks.length) }, lane));
  return confirmations;
}

export async function searchWorkflow(input: SearchWorkflowInput): Promise<SearchProgress> {
  const progress: SearchProgress = {
    campaignId: input.campaignId,
    position: input.position,
    key: null,
    status: 'starting',
    strategy: null,
    budget: 0,
    evaluations: 0,
    generation: 0,
    run: 1,
    front: 0,
  };
  setHandler(searchProgressQuery, () => progress);
  const scope = new CancellationScope();
  let cancelReason: string | undefined;
  setHandler(searchCancelSignal, (reason) => {
    cancelReason = reason ?? 'cancelled';
    scope.cancel();
  });

  let key: string;
  let params: SearchJobParams;
  // Absent for zero-cost-pt: no ask/tell, one network chosen by an activity (zeroCostPtSearch).
  let strategy: Strategy | undefined;
  if (input.resume) {
    ({ key, params } = input.resume);
    strategy = fromState(input.resume.state);
    progress.generation = input.resume.generation;
    progress.evaluations = input.resume.evaluations;
    progress.run = input.resume.runs + 1;
  } else {
    ({ key, params } = await book().startSearch({ campaignId: input.campaignId, position: input.position, force: input.force }));
    if (params.strategy !== ZERO_COST_PT) strategy = createStrategy(strategyOptionsOf(params, searchSpaceOf(params)));
  }
  progress.key = key;
  progress.strategy = params.strategy;
  progress.budget = params.budget;
  progress.status = 'running';
  const perRun = Math.max(1, input.generationsPerRun ?? DEFAULT_GENERATIONS_PER_RUN);
  const parallel = Math.max(1, input.parallel ?? DEFAULT_SEARCH_PARALLEL);
  const trains = params.objectives.includes('accuracy');
  // One-shot (training method `supernet`): one supernet trained, every candidate scored on it.
  const oneShot = params.training?.method === 'supernet';
  // Constraints (libs/nas constraints.ts): a candidate that misses them is neither evaluated nor
  // trained nor stored; the strategy is told penalised values, as runSearch does.
  const check = constraintCheckOf(params, searchSpaceOf(params));

  let generationsThisRun = 0;
  let confirmations: Confirmation[] | undefined;
  try {
    await scope.run(async () => {
      if (!strategy) {
        await zeroCostPtSearch(input.campaignId, key, params);
        progress.evaluations = 1;
        progress.generation = 1;
        progress.front = (await book().recordSearchFront({ jobKey: key, params, generation: 1 })).front;
        if (params.confirm) confirmations = await trainConfirmations(input.campaignId, key, params, parallel, progress);
        return;
      }
      const search = strategy;
      // Trained once (a later run of this workflow, or another search, finds it stored by its key).
      const supernet =
        oneShot && !search.done
          ? await trainingActivities().trainSearchSupernet({ campaignId: input.campaignId, jobKey: key, params })
          : undefined;
      while (!search.done) {
        if (generationsThisRun >= perRun) {
          await continueAsNew<typeof searchWorkflow>({
            ...input,
            resume: {
              key,
              params,
              state: search.state(),
              generation: progress.generation,
              evaluations: progress.evaluations,
              runs: progress.run,
            },
          });
        }
        const asked = search.ask(SEARCH_ASK_BATCH);
        if (asked.length === 0)
          throw ApplicationFailure.nonRetryable(`${search.name}: asked for candidates but got none before it was done`, 'SearchError');
        const values: ObjectiveValues[] = new Array<ObjectiveValues>(asked.length);
        const base = progress.evaluations;
        const generation = progress.generation;
        // Candidates that differ only in their array gene are one network: one training, shared
        // (started by the first, awaited by the others), not two running at once on the same key.
        const trainings = new Map<string, Promise<TrainedCandidate>>();
        const trainingOf = (candidate: Candidate) => {
          const network = networkOf(candidate);
          if (!trainings.has(network)) trainings.set(network, trainCandidate(input.campaignId, key, params, candidate));
          return trainings.get(network)!;
        };
        const scored = supernet ? await scoreOnSupernet(input.campaignId, key, params, supernet.key, asked, check) : undefined;
        let next = 0;
        const lane = async () => {
          while (next < asked.length) {
            const i = next++;
            const candidate: Candidate = asked[i]!;
            const violation = check?.violation(candidate) ?? 0;
            if (violation > 0) {
              values[i] = penalisedObjectives(params.objectives, violation);
              progress.evaluations++;
              continue;
            }
            // Searches without `accuracy` schedule exactly what they always did (recorded histories replay).
            const trained: TrainedCandidate | undefined = scored
              ? scored.get(networkOf(candidate))
              : trains
                ? await trainingOf(candidate)
                : undefined;
            values[i] = await evaluate().evaluateSearchCandidate({
              campaignId: input.campaignId,
              jobKey: key,
              params,
              index: base + i,
              generation,
              candidate,
              ...(trained
                ? { trained: { key: trained.key, testAccuracy: trained.testAccuracy, ...(trained.seeds ? { seeds: trained.seeds } : {}) } }
                : {}),
            });
            // Counted as each one lands (a batch of trainings takes minutes; the query shows it move).
            // Only the query reads it mid-batch: activity arguments use `base`, fixed before the lanes.
            progress.evaluations++;
          }
        };
        await allEnded(() => Array.from({ length: Math.min(parallel, asked.length) }, lane));
        search.tell(asked.map((candidate, i) => ({ candidate, objectives: values[i]! })));
        progress.generation++;
        generationsThisRun++;
        const recorded = await book().recordSearchFront({ jobKey: key, params, generation: progress.generation });
        progress.front = recorded.front;
      }
      if (params.confirm) confirmations = await trainConfirmations(input.campaignId, key, params, parallel, progress);
    });
  } catch (error) {
    if (isCancellation(error) && cancelReason !== undefined) {
      progress.status = 'cancelled';
      throw ApplicationFailure.nonRetryable(`search cancelled: ${cancelReason}`, 'SearchCancelled');
    }
    throw error;
  }
  const finished = await book().finishSearch({
    campaignId: input.campaignId,
    jobKey: key,
    params,
    generations: progress.generation,
    runs: progress.run,
    ...(confirmations ? { confirmations } : {}),
  });
  progress.evaluations = finished.evaluations;
  progress.front = finished.front;
  progress.status = 'completed';
  return progress;
}
