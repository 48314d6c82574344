/** A data file that cannot be loaded: names the file and says what is wrong with it. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  /** The file (or file-like name) the caller gave for the bytes. */
  readonly file: string;
  /** The problem alone, without the file name. */
  readonly problem: string;

  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
    this.problem = problem;
  }
}
