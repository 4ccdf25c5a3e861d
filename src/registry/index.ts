/**
 * The registry's entry points for the daemon and CLI: an embedded Consul-compatible
 * registry or a real Consul, and the two sync directions between it and the mesh.
 */
export { startEmbeddedRegistry, type EmbeddedRegistry, type EmbeddedRegistryOptions } from './embedded/embedded-registry';
export { connectConsul, ConsulRequestError, type ConsulConnectOptions, type ConsulTls } from './consul/consul-registry';
export { syncMeshToRegistry, reconcileRegistry, registrationsForMesh, type MeshSource, type MeshToRegistrySync, type SyncMeshToRegistryOptions } from './sync/mesh-to-registry';
export { meshServicesFromRegistry, applyExternalMesh, type RegistryToMeshSync, type MeshServicesFromRegistryOptions } from './sync/registry-to-mesh';
export { meshFromRegistry, type ExternalMesh } from './sync/mesh-from-registry';
export { watchCatalog, type Catalog, type CatalogWatch } from './sync/catalog-watch';
export { ORIGIN_LABEL, ORIGIN_REGISTRY } from './sync/origin';
export * from './registry';
