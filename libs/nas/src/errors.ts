import { FieldError } from '@fuselab/systolic-sim';

/**
 * A bad search option: `field` names the option (`space`, `budget`, `objectives[1]`, …) and
 * `problem` what is wrong with it; `message` joins the two.
 */
export class NasInputError extends FieldError {
  override name = 'NasInputError';
}
