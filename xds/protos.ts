import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';

/**
 * Envoy v3 protos, loaded from the copies shipped inside @grpc/grpc-js-xds, and a strict
 * encoder: every resource Loom builds is a plain object with proto field names, and
 * `encodeMessage` refuses any key that is not a field of the message (protobufjs would
 * silently drop it), so what we send is exactly what we wrote.
 */

const DEPS = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
export const PROTO_INCLUDE_DIRS = [
  ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(DEPS, d)),
  // google/protobuf/descriptor.proto (imported by validate.proto) ships with protobufjs.
  path.dirname(require.resolve('protobufjs/package.json')),
];

const PROTO_FILES = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  // The sidecar bootstrap's TLS context to the xDS server.
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
];

let cachedRoot: protobuf.Root | undefined;

export function envoyRoot(): protobuf.Root {
  if (!cachedRoot) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => {
      for (const dir of PROTO_INCLUDE_DIRS) {
        const candidate = path.join(dir, target);
        if (fs.existsSync(candidate)) return candidate;
      }
      return target;
    };
    root.loadSync(PROTO_FILES, { keepCase: true });
    root.resolveAll();
    cachedRoot = root;
  }
  return cachedRoot;
}

export function messageType(fullName: string): protobuf.Type {
  return envoyRoot().lookupType(fullName);
}

export const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** A value for a `google.protobuf.Any` field: the packed message's type and fields. */
export interface AnyObject {
  '@type': string;
  [field: string]: unknown;
}

export function any(typeName: string, fields: Record<string, unknown> = {}): AnyObject {
  return { '@type': TYPE_URL_PREFIX + typeName, ...fields };
}

export class UnknownFieldError extends Error {
  constructor(readonly fieldPath: string, readonly messageName: string, detail: string) {
    super(`${fieldPath}: ${detail} (in ${messageName})`);
    this.name = 'UnknownFieldError';
  }
}

export interface EncodedAny {
  type_url: string;
  value: Uint8Array;
}

/** Encodes `object` as message `typeName`, packing nested `{'@type': …}` objects into Any. */
export function encodeMessage(typeName: string, object: Record<string, unknown>): Uint8Array {
  const type = messageType(typeName);
  return type.encode(type.fromObject(prepare(type, object, typeName))).finish();
}

export function encodeAny(object: AnyObject): EncodedAny {
  const typeUrl = object['@type'];
  const { '@type': _ignored, ...fields } = object;
  return { type_url: typeUrl, value: encodeMessage(typeUrl.slice(typeUrl.indexOf('/') + 1), fields) };
}

function prepare(type: protobuf.Type, object: Record<string, unknown>, at: string): Record<string, unknown> {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw new UnknownFieldError(at, type.fullName, `expected a message object, got ${JSON.stringify(object)}`);
  }
  if (type.fullName === '.google.protobuf.Any' && '@type' in object) {
    return encodeAny(object as AnyObject) as unknown as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const field = type.fields[key];
    if (!field) throw new UnknownFieldError(`${at}.${key}`, type.fullName, 'no such field');
    if (value === undefined) continue;
    field.resolve();
    const convert = (v: unknown, p: string): unknown => {
      if (field.resolvedType instanceof protobuf.Type) return prepare(field.resolvedType, v as Record<string, unknown>, p);
      if (field.resolvedType instanceof protobuf.Enum && typeof v === 'string' && !(v in field.resolvedType.values)) {
        throw new UnknownFieldError(p, type.fullName, `"${v}" is not a value of ${field.resolvedType.fullName}`);
      }
      return v;
    };
    if (field.map) {
      out[key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, convert(v, `${at}.${key}[${k}]`)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new UnknownFieldError(`${at}.${key}`, type.fullName, 'expected a list');
      out[key] = value.map((v, i) => convert(v, `${at}.${key}[${i}]`));
    } else {
      out[key] = convert(value, `${at}.${key}`);
    }
  }
  return out;
}

/** Decodes an Any back into the `{'@type': …}` form, unpacking nested Anys (for tests and tools). */
export function decodeAny(encoded: EncodedAny): AnyObject {
  const typeName = encoded.type_url.slice(encoded.type_url.indexOf('/') + 1);
  const type = messageType(typeName);
  return { '@type': encoded.type_url, ...unpack(type.toObject(type.decode(encoded.value), TO_OBJECT)) } as AnyObject;
}

const TO_OBJECT: protobuf.IConversionOptions = { enums: String, longs: Number, bytes: String, defaults: false, oneofs: false };

function unpack(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) return value.map(unpack) as unknown as Record<string, unknown>;
  if (value === null || typeof value !== 'object') return value as Record<string, unknown>;
  const obj = value as Record<string, unknown>;
  if (typeof obj.type_url === 'string' && obj.value !== undefined && Object.keys(obj).length === 2) {
    const bytes = typeof obj.value === 'string' ? Buffer.from(obj.value, 'base64') : (obj.value as Uint8Array);
    return decodeAny({ type_url: obj.type_url, value: bytes }) as Record<string, unknown>;
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unpack(v)]));
}
