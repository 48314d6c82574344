/** A network specification or build option that cannot be honoured. */
export class InvalidSpecError extends Error {
  /** The option or spec field at fault, e.g. `network`, `width`, `operators[3]`, `inputSize`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InvalidSpecError';
    this.field = field;
  }
}
