import type { Resource } from '../../model/kinds';

/**
 * Mesh resources made from the registry carry this label. The registry → model sync
 * changes and deletes only those; the model → registry sync does not register them
 * back (they are in the registry already, under their owner's registration).
 */
export const ORIGIN_LABEL = 'loom/origin';
export const ORIGIN_REGISTRY = 'registry';

export function isImported(resource: Resource): boolean {
  return 'labels' in resource && resource.labels?.[ORIGIN_LABEL] === ORIGIN_REGISTRY;
}
