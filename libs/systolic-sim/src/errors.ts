/**
 * Bad input to the simulator: a malformed topology row, an impossible layer, an unknown option.
 * `field` names what was wrong (e.g. "layers[3].kernelH", "row 5, column Channels") so that callers
 * (the CLI, the API) can report one clear message.
 */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}
