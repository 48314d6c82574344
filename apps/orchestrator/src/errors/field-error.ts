/**
 * The orchestrator's own input errors (a flag, a spec field, a data path, a data set file, a training
 * request) extend this: `field` names what is at fault, `problem` what is wrong, `message` is
 * `field: problem`. It has the shape of the libraries' FieldError (systolic-sim) but is defined
 * here, importing nothing, because the CLI's entry point recognises these errors without loading
 * the libraries (input-errors.ts).
 */
export class FieldError extends Error {
  override name = 'FieldError';
  readonly field: string;
  readonly problem: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.field = field;
    this.problem = problem;
  }
}
