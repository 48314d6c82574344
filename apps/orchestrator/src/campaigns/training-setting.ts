/**
 * What sets a training run apart besides its seed, as labelled values: the settings a researcher
 * compares arms by (width, schedule, data, augmentation, recipe, distillation knobs, teacher). The
 * dashboard's /training groups seeds into one mean ± sd only when these are equal, and names the
 * fields that differ — without them, an ablation's entries (say NOS at λ_op 1 and at 0.1) or two
 * schedules of one variant were averaged into one row.
 *
 * The teacher is described without its seed (each seed's student has that seed's teacher), so the
 * seeds of one entry share a setting.
 *
 *     { width: '0.25', stem: 'default', epochs: '6', images: '4,000', batch: '64', augment: 'crop 4 + flip',
 *       recipe: 'SGD lr 0.05, momentum 0.9, weight decay 0.00005, cosine',
 *       distill: 'NOS α 0.5, T 4, λ_op 0.1, cosine anneal over 0.5 of the steps', teacher: 'baseline scratch' }
 */
import { describeDistill } from './distill.js';
import type { TrainJobParams } from './expand.js';
import { describeHyperparameters, TRAINING_HYPERPARAMETERS } from './recipe.js';

/** A training job's parameters as stored (search trainings' rows hold the same shape). */
type StoredTrainParams = Partial<TrainJobParams> & Pick<TrainJobParams, 'method'>;

/** The fields in the order they are shown; each value a short string. */
export function trainingSetting(params: StoredTrainParams): Record<string, string> {
  const setting: Record<string, string> = {};
  // With its digest (campaigns since file digests): another file at the same path is another setting.
  if (params.data) setting.data = withDigest(params.data, params.sha256?.data);
  if (params.imageSize !== undefined) setting['image size'] = `${params.imageSize} px`;
  if (params.width !== undefined) setting.width = String(params.width);
  setting.stem = params.stem ?? 'default';
  if (params.epochs !== undefined) setting.epochs = String(params.epochs);
  setting.images = params.limit !== undefined ? params.limit.toLocaleString('en-US') : 'all';
  if (params.batch !== undefined) setting.batch = String(params.batch);
  const augment = [...(params.augment?.crop ? [`crop ${params.augment.crop}`] : []), ...(params.augment?.flip ? ['flip'] : [])];
  setting.augment = augment.length > 0 ? augment.join(' + ') : 'none';
  if ((params.replicas ?? 1) > 1) setting.replicas = String(params.replicas);
  setting.recipe = describeHyperparameters(params.hyperparameters ?? TRAINING_HYPERPARAMETERS);
  if (params.method === 'kd' || params.method === 'nos') {
    setting.distill = describeDistill(params.method, params.distill);
    setting.teacher = teacherOf(params.teacher, setting, params.sha256?.teacher);
  }
  return setting;
}

/**
 * A kd / nos run's teacher, without its seed: the checkpoint file, or the teacher job's variant and
 * method and where its own setting differs from the student's ("baseline scratch, epochs 20"), so
 * two students of teachers trained differently are told apart without repeating the whole setting.
 */
function teacherOf(teacher: TrainJobParams['teacher'] | undefined, student: Record<string, string>, sha256?: string): string {
  if (!teacher) return 'none';
  if ('checkpoint' in teacher) return `checkpoint ${withDigest(teacher.checkpoint, sha256)}`;
  const own = trainingSetting(teacher.job);
  const differs = Object.entries(own).filter(([field, value]) => student[field] !== value);
  return [`${teacher.job.variant} ${teacher.job.method}`, ...differs.map(([field, value]) => `${field} ${value}`)].join(', ');
}

/** A file as the setting names it: its path, and the start of its sha256 when the job carries one. */
function withDigest(path: string, sha256: string | undefined): string {
  return sha256 ? `${path} (sha256 ${sha256.slice(0, 12)})` : path;
}
