/**
 * The `format` column of stored checkpoints, in a module of its own so that code that only reads
 * the rows (the API, `campaign checkpoint`) need not load tfjs with training.ts or supernet-run.ts.
 */

/** A network's training checkpoint (libs/nos `Checkpoint`) as gzip-compressed JSON: the file `fuselab train` writes. */
export const CHECKPOINT_STORAGE_FORMAT = 'fuselab-nos-checkpoint+json+gzip';

/** A supernet with its training state (supernet-run.ts). */
export const SUPERNET_STORAGE_FORMAT = 'fuselab-supernet+gzip';
