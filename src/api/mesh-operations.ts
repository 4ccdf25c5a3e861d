import type { Kind, Resource } from '../model/kinds';

/** What the REST API can ask of the running control plane (implemented by the daemon). */
export interface MeshOperations {
  /** Applies a resource file atomically; `source` names it in errors. */
  apply(text: string, source: string): Promise<ApplyResult>;
  delete(kind: Kind, name: string): Promise<void>;
  list(kind: Kind): Resource[];
  get(kind: Kind, name: string): Resource;
  proxyStatus(): unknown[];
}

export interface ApplyResult {
  revision: number;
  created: string[];
  configured: string[];
  unchanged: string[];
}
