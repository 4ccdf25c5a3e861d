/**
 * The model as one host's flows and groups: the overlay pipeline plus every feature's
 * flows for its extension-point tables. Pure; see README.md.
 */

export { hostState, type HostState } from './host-state';
export { HostStateCache } from './host-state-cache';
