/**
 * `fuselab train`'s recipe (apps/orchestrator's TRAINING_HYPERPARAMETERS and its train options):
 * SGD with momentum 0.9, learning rate 0.05, cosine per step to 0, L2 5e-5 on kernels, no
 * augmentation, pixels normalised with mean 0.5 and std 0.5 (nos' default).
 */
export const CLI_RECIPE = { learningRate: 0.05, momentum: 0.9, weightDecay: 5e-5 } as const;
