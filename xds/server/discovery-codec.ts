import type * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { messageType, type EncodedAny } from '../protos';
import type { NodeIdentity } from '../resources/client-profile';

/**
 * The ADS service definition with protobufjs (de)serializers. Responses carry resources
 * that were encoded once in the snapshot; serializing a response only copies their bytes.
 * The same definition serves clients (tests, benchmarks) via makeGenericClientConstructor.
 */

export interface DiscoveryRequest {
  version_info: string;
  node?: NodeIdentity | null;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: { code: number; message: string } | null;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: EncodedAny[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

export interface DeltaDiscoveryRequest {
  node?: NodeIdentity | null;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail?: { code: number; message: string } | null;
}

export interface DeltaResource {
  name: string;
  version: string;
  resource?: EncodedAny;
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
  control_plane?: { identifier: string };
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, arrays: true, objects: true };

function codec<T>(typeName: string) {
  const type = messageType(typeName);
  return {
    serialize: (value: T) => Buffer.from(type.encode(value as unknown as protobuf.Message).finish()),
    deserialize: (bytes: Buffer) => type.toObject(type.decode(bytes), TO_OBJECT) as T,
  };
}

/**
 * SotW clients repeat their whole subscription in every request, ACKs included, and
 * clients of one kind subscribe alike. Requests are decoded with `resource_names` looked
 * up by their encoded bytes: identical lists are decoded once and shared (frozen), which
 * saves the decoding, the strings' memory, and lets a stream see an unchanged
 * subscription by identity.
 */
const NAMES_FIELD_TAG = (3 << 3) | 2;
/** Bound on the encoded bytes of all shared lists; past it the cache starts over. */
const MAX_SHARED_BYTES = 32 * 1024 * 1024;
const sharedLists = new Map<string, readonly string[]>();
let sharedBytes = 0;

function discoveryRequestCodec() {
  const plain = codec<DiscoveryRequest>('envoy.service.discovery.v3.DiscoveryRequest');
  const type = messageType('envoy.service.discovery.v3.DiscoveryRequest');
  const deserialize = (bytes: Buffer): DiscoveryRequest => {
    const reader = protobuf.Reader.create(bytes);
    let start = -1;
    let end = -1;
    while (reader.pos < reader.len) {
      const at = reader.pos;
      const tag = reader.uint32();
      if (tag === NAMES_FIELD_TAG) {
        if (start < 0) start = at;
        else if (end !== at) return plain.deserialize(bytes); // names not in one run: decode normally
        reader.skip(reader.uint32());
        end = reader.pos;
      } else {
        reader.skipType(tag & 7);
      }
    }
    if (start < 0) return plain.deserialize(bytes);
    const key = bytes.toString('latin1', start, end);
    let names = sharedLists.get(key);
    if (!names) {
      names = Object.freeze([...(type.decode(bytes.subarray(start, end)) as unknown as { resource_names: string[] }).resource_names]);
      if (sharedBytes + key.length > MAX_SHARED_BYTES) {
        sharedLists.clear();
        sharedBytes = 0;
      }
      sharedLists.set(key, names);
      sharedBytes += key.length;
    }
    const request = plain.deserialize(Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]));
    request.resource_names = names as string[];
    return request;
  };
  return { serialize: plain.serialize, deserialize };
}

const SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

function bidi<Req, Res>(method: string, request: ReturnType<typeof codec<Req>>, response: ReturnType<typeof codec<Res>>) {
  return {
    path: `/${SERVICE}/${method}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: request.serialize,
    requestDeserialize: request.deserialize,
    responseSerialize: response.serialize,
    responseDeserialize: response.deserialize,
    originalName: method,
  };
}

let definition: grpc.ServiceDefinition | undefined;

export function adsServiceDefinition(): grpc.ServiceDefinition {
  definition ??= {
    StreamAggregatedResources: bidi(
      'StreamAggregatedResources',
      discoveryRequestCodec(),
      codec<DiscoveryResponse>('envoy.service.discovery.v3.DiscoveryResponse'),
    ),
    DeltaAggregatedResources: bidi(
      'DeltaAggregatedResources',
      codec<DeltaDiscoveryRequest>('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
      codec<DeltaDiscoveryResponse>('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
    ),
  };
  return definition;
}
