/**
 * An error about one named input, the shape of every fuselab library's input errors: `field` names
 * what is at fault, `problem` what is wrong with it, `message` is `field: problem`. Defined here,
 * in the library the others build on, so that each library's error is a `FieldError` subclass
 * with its own name (callers tell them apart by name; see the orchestrator's errors/input-errors.ts).
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

/**
 * Bad input to the simulator: a malformed topology row, an impossible layer, an unknown option.
 * `field` names what was wrong (e.g. "layers[3].kernelH", "row 5, column Channels") and `problem`
 * says what is wrong with it, so that callers (the CLI, the API) can report one clear message in
 * their own terms (a flag, a spec field); `message` is the two joined.
 */
export class InputError extends FieldError {
  override name = 'InputError';
}

/** An array size or geometry that no array can have (`field`: `rows`, `cols` or `array`). */
export class InvalidArrayError extends InputError {
  override name = 'InvalidArrayError';
}
