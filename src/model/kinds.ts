import { z } from 'zod';
import { EndpointSchema, type Endpoint } from './endpoint';
import { NetworkSchema, type Network } from './network';
import { RouteSchema, type Route } from './route';
import { SecurityGroupSchema, type SecurityGroup } from './security-group';
import { ServiceSchema, type Service } from './service';

/** The resource kinds a mesh file may contain, with their schema and collection name. */
export const KINDS = {
  Service: { schema: ServiceSchema, collection: 'services' },
  Endpoint: { schema: EndpointSchema, collection: 'endpoints' },
  Route: { schema: RouteSchema, collection: 'routes' },
  SecurityGroup: { schema: SecurityGroupSchema, collection: 'securityGroups' },
  Network: { schema: NetworkSchema, collection: 'networks' },
} as const satisfies Record<string, { schema: z.ZodType; collection: string }>;

export type Kind = keyof typeof KINDS;
export type Collection = (typeof KINDS)[Kind]['collection'];
export type Resource = Service | Endpoint | Route | SecurityGroup | Network;

export const KIND_NAMES = Object.keys(KINDS) as Kind[];

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && Object.hasOwn(KINDS, value);
}

/** `services`, `service`, `svc`, `Service` → `Service`, for `loom get`/`delete`. */
export function kindFromUserWord(word: string): Kind | undefined {
  const w = word.toLowerCase();
  const aliases: Record<string, Kind> = { svc: 'Service', ep: 'Endpoint', eps: 'Endpoint', net: 'Network', sg: 'SecurityGroup', sgs: 'SecurityGroup' };
  if (Object.hasOwn(aliases, w)) return aliases[w];
  return KIND_NAMES.find((k) => k.toLowerCase() === w || KINDS[k].collection.toLowerCase() === w);
}
