import * as grpc from '@grpc/grpc-js';
import { decodeAny, type AnyObject, type EncodedAny } from '../../xds/protos';
import type { NodeIdentity } from '../../xds/resources/client-profile';
import {
  adsServiceDefinition,
  type DeltaDiscoveryRequest,
  type DeltaDiscoveryResponse,
  type DiscoveryRequest,
  type DiscoveryResponse,
} from '../../xds/server/discovery-codec';

/**
 * A raw ADS client for protocol tests: it sends exactly the requests a test writes and
 * queues every response, so a test can assert on the wire conversation (nonces, versions,
 * ordering) instead of on what a real xDS client library made of it.
 *
 * Like Envoy (with set_node_on_first_message_only) and grpc-js, it sends the node only
 * on a stream's first request, unless a request sets `node` itself.
 */

export type SotwRequest = Partial<DiscoveryRequest> & Pick<DiscoveryRequest, 'type_url'>;
export type DeltaRequest = Partial<DeltaDiscoveryRequest> & Pick<DeltaDiscoveryRequest, 'type_url'>;

/** Responses in arrival order; `take` waits for the next one or fails after a timeout. */
class ResponseQueue<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (item: T) => void; reject: (err: Error) => void } | undefined;
  private failure: Error | undefined;

  push(item: T): void {
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(item);
    } else this.items.push(item);
  }

  /** The stream ended: a pending or later `take` fails with `err` once queued responses are used up. */
  fail(err: Error): void {
    this.failure ??= err;
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(err);
    }
  }

  get pending(): readonly T[] {
    return this.items;
  }

  take(timeoutMs: number, describeTimeout: () => string): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error('AdsTestClient: next() called again before the previous next() settled'));
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(describeTimeout()));
      }, timeoutMs);
      this.waiter = {
        resolve: (item) => (clearTimeout(timer), resolve(item)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
    });
  }
}

const AdsClient = grpc.makeGenericClientConstructor(adsServiceDefinition(), 'ADS');

abstract class AdsStream<Req extends { node?: NodeIdentity | null; type_url: string }, Res extends { type_url: string; nonce: string }> {
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Req, Res>;
  private readonly queue = new ResponseQueue<Res>();
  private sentFirst = false;
  private closed = false;
  /** Every request sent and response received, for failure messages. */
  private readonly log: string[] = [];

  protected constructor(
    readonly address: string,
    readonly node: NodeIdentity,
    method: 'StreamAggregatedResources' | 'DeltaAggregatedResources',
  ) {
    this.client = new AdsClient(address, grpc.credentials.createInsecure());
    const def = adsServiceDefinition()[method];
    this.call = this.client.makeBidiStreamRequest<Req, Res>(def.path, def.requestSerialize, def.responseDeserialize);
    this.call.on('data', (response: Res) => {
      this.log.push(`← ${this.describe(response)}`);
      this.queue.push(response);
    });
    this.call.on('error', (err: Error) => {
      if (!this.closed) this.queue.fail(new Error(`ADS stream to ${address} failed: ${err.message}`, { cause: err }));
    });
    this.call.on('end', () => this.queue.fail(new Error(`ADS stream to ${address} was ended by the server`)));
  }

  /** Sends a request; defaults fill the fields it leaves out, and the node goes with the first request only. */
  send(request: Partial<Req> & Pick<Req, 'type_url'>): void {
    if (this.closed) throw new Error('AdsTestClient: send() after close()');
    const full = { ...this.defaults(), ...request } as Req;
    if (!('node' in request)) full.node = this.sentFirst ? null : this.node;
    this.sentFirst = true;
    this.log.push(`→ ${this.describeRequest(full)}`);
    this.call.write(full);
  }

  /** The next response not yet taken; rejects after `timeoutMs` or when the stream fails. */
  next(timeoutMs = 2000): Promise<Res> {
    return this.queue.take(timeoutMs, () => `no ADS response within ${timeoutMs} ms from ${this.address}; conversation so far:\n  ${this.log.join('\n  ') || '(nothing)'}`);
  }

  /** Waits `ms` and fails if any response arrived (or was already queued and not taken). */
  async expectNoResponse(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const unexpected = this.queue.pending;
    if (unexpected.length > 0) {
      throw new Error(`expected no ADS response for ${ms} ms, got ${unexpected.length}:\n  ${unexpected.map((r) => this.describe(r)).join('\n  ')}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.call.cancel();
    this.client.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  protected abstract defaults(): Omit<Req, 'type_url'>;
  protected abstract describe(response: Res): string;
  protected abstract describeRequest(request: Req): string;
}

export class SotwAdsClient extends AdsStream<DiscoveryRequest, DiscoveryResponse> {
  constructor(address: string, node: NodeIdentity) {
    super(address, node, 'StreamAggregatedResources');
  }

  /** ACK `response`: its version and nonce, with the subscription unchanged. */
  ack(response: DiscoveryResponse, resourceNames: string[]): void {
    this.send({ type_url: response.type_url, resource_names: resourceNames, version_info: response.version_info, response_nonce: response.nonce });
  }

  /** NACK `response`: its nonce, the version the client still holds, and an error. */
  nack(response: DiscoveryResponse, resourceNames: string[], heldVersion: string, message: string): void {
    this.send({ type_url: response.type_url, resource_names: resourceNames, version_info: heldVersion, response_nonce: response.nonce, error_detail: { code: 3, message } });
  }

  protected defaults(): Omit<DiscoveryRequest, 'type_url'> {
    return { version_info: '', resource_names: [], response_nonce: '', node: null, error_detail: null };
  }

  protected describe(r: DiscoveryResponse): string {
    return `${shortType(r.type_url)} nonce=${r.nonce} version=${r.version_info} [${sotwNames(r).join(', ')}]`;
  }

  protected describeRequest(r: DiscoveryRequest): string {
    return `${shortType(r.type_url)} names=[${r.resource_names.join(', ')}] version=${r.version_info} nonce=${r.response_nonce}${r.error_detail ? ` error="${r.error_detail.message}"` : ''}`;
  }
}

export class DeltaAdsClient extends AdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse> {
  constructor(address: string, node: NodeIdentity) {
    super(address, node, 'DeltaAggregatedResources');
  }

  /** ACK `response` without changing the subscription. */
  ack(response: DeltaDiscoveryResponse): void {
    this.send({ type_url: response.type_url, response_nonce: response.nonce });
  }

  nack(response: DeltaDiscoveryResponse, message: string): void {
    this.send({ type_url: response.type_url, response_nonce: response.nonce, error_detail: { code: 3, message } });
  }

  protected defaults(): Omit<DeltaDiscoveryRequest, 'type_url'> {
    return { resource_names_subscribe: [], resource_names_unsubscribe: [], initial_resource_versions: {}, response_nonce: '', node: null, error_detail: null };
  }

  protected describe(r: DeltaDiscoveryResponse): string {
    return `${shortType(r.type_url)} nonce=${r.nonce} [${r.resources.map((x) => x.name).join(', ')}] removed=[${r.removed_resources.join(', ')}]`;
  }

  protected describeRequest(r: DeltaDiscoveryRequest): string {
    const initial = Object.keys(r.initial_resource_versions);
    return (
      `${shortType(r.type_url)} +[${r.resource_names_subscribe.join(', ')}] -[${r.resource_names_unsubscribe.join(', ')}] nonce=${r.response_nonce}` +
      (initial.length ? ` initial=[${initial.join(', ')}]` : '') +
      (r.error_detail ? ` error="${r.error_detail.message}"` : '')
    );
  }
}

export const AdsTestClient = {
  sotw: (address: string, node: NodeIdentity): SotwAdsClient => new SotwAdsClient(address, node),
  delta: (address: string, node: NodeIdentity): DeltaAdsClient => new DeltaAdsClient(address, node),
};

/** The resources of a SotW response, decoded. */
export function sotwResources(response: DiscoveryResponse): AnyObject[] {
  return response.resources.map((r: EncodedAny) => decodeAny(r));
}

/** Names of a SotW response's resources (a ClusterLoadAssignment is named by `cluster_name`), sorted. */
export function sotwNames(response: DiscoveryResponse): string[] {
  return sotwResources(response).map(resourceName).sort();
}

/** The resources of a Delta response by name, decoded. */
export function deltaResources(response: DeltaDiscoveryResponse): Map<string, AnyObject> {
  return new Map(response.resources.map((r) => [r.name, decodeAny(r.resource!)]));
}

/** Names of a Delta response's resources, sorted. */
export function deltaNames(response: DeltaDiscoveryResponse): string[] {
  return response.resources.map((r) => r.name).sort();
}

export function resourceName(resource: AnyObject): string {
  const name = resource.name ?? resource.cluster_name;
  if (typeof name !== 'string') throw new Error(`resource ${resource['@type']} has no name`);
  return name;
}

function shortType(typeUrl: string): string {
  return typeUrl.slice(typeUrl.lastIndexOf('.') + 1);
}
