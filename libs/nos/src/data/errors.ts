import { NosInputError } from '../errors.js';

/** A data file that cannot be loaded: names the file (`field`) and says what is wrong with it. */
export class DatasetError extends NosInputError {
  override name = 'DatasetError';

  /** The file (or file-like name) the caller gave for the bytes. */
  get file(): string {
    return this.field;
  }
}
