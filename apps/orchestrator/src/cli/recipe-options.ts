/**
 * The optimizer recipe's flags (`--optimizer`, `--lr`, `--momentum`, `--weight-decay`) as
 * `fuselab train` and `fuselab supernet` parse them: numbers by options.ts' parseNumber, ranges and combinations by
 * campaigns/recipe.ts' one rule, which the campaign spec uses too.
 */
import { canonicalRecipe, RECIPE_FLAGS, recipeProblem, type TrainRecipe } from '../campaigns/recipe.js';
import { TRAIN_OPTIMIZERS, type SearchTrainMethodName } from '../choices.js';
import { oneOf, parseNumber } from './options.js';
import { UsageError } from './usage-error.js';

/** --optimizer, --lr, --momentum, --weight-decay as a canonical recipe (undefined: the defaults). */
export function parseRecipe(
  options: { optimizer?: string; lr?: string; momentum?: string; weightDecay?: string },
  method: SearchTrainMethodName,
): TrainRecipe | undefined {
  const recipe: TrainRecipe = {
    ...(options.optimizer !== undefined ? { optimizer: oneOf('--optimizer', options.optimizer, TRAIN_OPTIMIZERS, 'optimizer') } : {}),
  };
  const lr = parseNumber('--lr', options.lr);
  const momentum = parseNumber('--momentum', options.momentum);
  const weightDecay = parseNumber('--weight-decay', options.weightDecay);
  if (lr !== undefined) recipe.lr = lr;
  if (momentum !== undefined) recipe.momentum = momentum;
  if (weightDecay !== undefined) recipe.weightDecay = weightDecay;
  const wrong = recipeProblem(recipe, method);
  if (wrong) throw new UsageError(RECIPE_FLAGS[wrong.field], wrong.problem);
  return canonicalRecipe(recipe);
}
