import { FieldError } from '@fuselab/systolic-sim';

/**
 * A network specification or build option that cannot be honoured. `field` names the option or
 * spec field at fault (`network`, `width`, `operators[3]`, `inputSize`), `problem` what is wrong
 * with it; `message` joins the two.
 */
export class InvalidSpecError extends FieldError {
  override name = 'InvalidSpecError';
}
