import { FieldError } from '@fuselab/fuseconv';

/**
 * Bad input to libs/nos: `field` names what is at fault (a data file, a checkpoint field, a weight)
 * and `problem` what is wrong with it; `message` joins the two. Callers (the CLI, the API, the
 * training activity) report it as the caller's input, not as a fault of the library.
 */
export class NosInputError extends FieldError {
  override name = 'NosInputError';
}
