import type { NetworkName } from '../types.js';
import type { NetworkDefinition } from './definition.js';
import { mnasnetB1 } from './mnasnet.js';
import { mobilenetV1 } from './mobilenet-v1.js';
import { mobilenetV2 } from './mobilenet-v2.js';
import { mobilenetV3Large, mobilenetV3Small } from './mobilenet-v3.js';

export type { NetworkDefinition, LayoutOptions, NetworkLayout } from './definition.js';

/** The reference networks, by name. */
export const NETWORK_DEFINITIONS: Readonly<Record<NetworkName, NetworkDefinition>> = {
  mobilenet_v1: mobilenetV1,
  mobilenet_v2: mobilenetV2,
  mobilenet_v3_small: mobilenetV3Small,
  mobilenet_v3_large: mobilenetV3Large,
  mnasnet_b1: mnasnetB1,
};

/** All network names, in the order of docs/ARCHITECTURE.md. */
export const NETWORKS: readonly NetworkName[] = ['mobilenet_v1', 'mobilenet_v2', 'mobilenet_v3_small', 'mobilenet_v3_large', 'mnasnet_b1'];
