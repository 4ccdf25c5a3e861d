import { z } from 'zod';
import { EndpointSchema, type Endpoint } from './endpoint';
import { RouteSchema, type Route } from './route';
import { ServiceSchema, type Service } from './service';

/** The resource kinds a mesh file may contain, with their schema and collection name. */
export const KINDS = {
  Service: { schema: ServiceSchema, collection: 'services' },
  Endpoint: { schema: EndpointSchema, collection: 'endpoints' },
  Route: { schema: RouteSchema, collection: 'routes' },
} as const satisfies Record<string, { schema: z.ZodType; collection: string }>;

export type Kind = keyof typeof KINDS;
export type Collection = (typeof KINDS)[Kind]['collection'];
export type Resource = Service | Endpoint | Route;

export const KIND_NAMES = Object.keys(KINDS) as Kind[];

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && Object.hasOwn(KINDS, value);
}

/** `services`, `service`, `svc`, `Service` → `Service`, for `loom get`/`delete`. */
export function kindFromUserWord(word: string): Kind | undefined {
  const w = word.toLowerCase();
  const aliases: Record<string, Kind> = { svc: 'Service', ep: 'Endpoint', eps: 'Endpoint' };
  if (aliases[w]) return aliases[w];
  return KIND_NAMES.find((k) => k.toLowerCase() === w || KINDS[k].collection === w);
}
