/** A bad search option: `field` names the option (`space`, `budget`, `objectives[1]`, …). */
export class NasInputError extends Error {
  override name = 'NasInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
