/** @fuselab/nas — operator and accelerator search (not implemented yet; see README.md). */
export {};
