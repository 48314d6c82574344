/**
 * Bad input to libs/nos: `field` names what is at fault (a data file, a checkpoint field, a weight)
 * and `problem` what is wrong with it; `message` joins the two. Callers (the CLI, the API, the
 * training activity) report it as the caller's input, not as a fault of the library.
 */
export class NosInputError extends Error {
  override name = 'NosInputError';
  readonly field: string;
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}
