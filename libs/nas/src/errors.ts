/**
 * A bad search option: `field` names the option (`space`, `budget`, `objectives[1]`, …) and
 * `problem` what is wrong with it; `message` joins the two.
 */
export class NasInputError extends Error {
  override name = 'NasInputError';
  readonly field: string;
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}
