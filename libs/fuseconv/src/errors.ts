/**
 * A network specification or build option that cannot be honoured. `field` names the option or
 * spec field at fault (`network`, `width`, `operators[3]`, `inputSize`), `problem` what is wrong
 * with it; `message` joins the two.
 */
export class InvalidSpecError extends Error {
  override name = 'InvalidSpecError';
  readonly field: string;
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}
