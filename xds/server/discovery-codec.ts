import type * as grpc from '@grpc/grpc-js';
import type protobuf from 'protobufjs';
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
      codec<DiscoveryRequest>('envoy.service.discovery.v3.DiscoveryRequest'),
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
