import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { adsServiceDefinition, type DiscoveryRequest, type DiscoveryResponse } from '../xds/server/discovery-codec';
import { decodeAny, messageType, type EncodedAny } from '../xds/protos';
import type { NodeIdentity } from '../xds/resources/client-profile';
import { referencedNames } from '../xds/resources/references';
import { CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, LISTENER_TYPE_URL, ROUTE_TYPE_URL, requiresFullState } from '../xds/resources/type-urls';
import type { ChildMessage, OpenCommand, ParentMessage } from './ipc';

/**
 * Simulated proxyless gRPC clients for bench/xds-push.ts, run as a forked child process.
 *
 * Each simulated client is one SotW ADS stream and subscribes the way gRPC does:
 * LDS for the service names it dials, then RDS for the route configs those listeners
 * name, CDS for every cluster the routes can send to (service and pinned clusters), and
 * EDS for those clusters' EDS service names; every response is ACKed with its version
 * and nonce. Simplification: a real client adds LDS names one channel at a time; here all
 * of them are requested in the first request.
 *
 * To keep 1,000s of clients cheap in one process (their CPU time adds to every measured
 * latency): a resource's name is read from its first field without decoding it, what it
 * refers to is decoded once per distinct encoded resource and shared, identical
 * subscription lists are shared, and a list's encoding is cached, so an ACK costs a few
 * bytes of header plus a buffer copy. Responses are decoded with the server's codec.
 */

const ORDER = [LISTENER_TYPE_URL, ROUTE_TYPE_URL, CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL] as const;
/** The type whose names a type's resources reference. */
const NEXT: Record<string, string | undefined> = {
  [LISTENER_TYPE_URL]: ROUTE_TYPE_URL,
  [ROUTE_TYPE_URL]: CLUSTER_TYPE_URL,
  [CLUSTER_TYPE_URL]: ENDPOINT_TYPE_URL,
};

interface ResourceInfo {
  name: string;
  /** Names of the next type this resource refers to. */
  refs: string[];
}

const NO_REFS: ResourceInfo['refs'] = [];
const infoCache = new Map<string, ResourceInfo>();

function resourceInfo(any: EncodedAny): ResourceInfo {
  // EDS resources refer to nothing: their name (field 1 of all four types) is enough.
  if (any.type_url === ENDPOINT_TYPE_URL) return { name: firstStringField(any.value), refs: NO_REFS };
  const value = Buffer.from(any.value.buffer, any.value.byteOffset, any.value.byteLength);
  const key = any.type_url + '\0' + value.toString('base64');
  let info = infoCache.get(key);
  if (!info) {
    info = describe(any.type_url, decodeAny(any) as Record<string, unknown>);
    infoCache.set(key, info);
  }
  return info;
}

/** The string in field 1 (`name` / `cluster_name`) of an encoded message. */
function firstStringField(bytes: Uint8Array): string {
  const reader = protobuf.Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) return reader.string();
    reader.skipType(tag & 7);
  }
  return '';
}

/** One list (and set) per distinct subscription, shared by every stream that asks for it. */
const internedLists = new Map<string, { list: string[]; set: Set<string> }>();

function internList(names: string[]): { list: string[]; set: Set<string> } {
  const key = names.join('\n');
  let interned = internedLists.get(key);
  if (!interned) {
    interned = { list: names, set: new Set(names) };
    internedLists.set(key, interned);
  }
  return interned;
}

/**
 * DiscoveryRequest encoder: the same bytes protobufjs writes, but the repeated
 * `resource_names` (field 3) of a list is encoded once and appended as-is.
 */
const encodedLists = new WeakMap<string[], Buffer>();
const NodeType = messageType('envoy.config.core.v3.Node');

export function encodeRequest(req: DiscoveryRequest): Buffer {
  const w = protobuf.Writer.create();
  if (req.version_info) w.uint32((1 << 3) | 2).string(req.version_info);
  if (req.node) NodeType.encode(req.node as protobuf.Message, w.uint32((2 << 3) | 2).fork()).ldelim();
  w.uint32((4 << 3) | 2).string(req.type_url);
  if (req.response_nonce) w.uint32((5 << 3) | 2).string(req.response_nonce);
  const head = Buffer.from(w.finish());
  let names = encodedLists.get(req.resource_names);
  if (!names) {
    const nw = protobuf.Writer.create();
    for (const name of req.resource_names) nw.uint32((3 << 3) | 2).string(name);
    names = Buffer.from(nw.finish());
    encodedLists.set(req.resource_names, names);
  }
  return Buffer.concat([head, names]);
}

/** The ADS client definition: the server's codec, with the encoder above for requests. */
function clientDefinition(): grpc.ServiceDefinition {
  const base = adsServiceDefinition();
  return { StreamAggregatedResources: { ...base.StreamAggregatedResources, requestSerialize: encodeRequest } };
}

function describe(typeUrl: string, r: Record<string, unknown>): ResourceInfo {
  return { name: (typeUrl === ENDPOINT_TYPE_URL ? r.cluster_name : r.name) as string, refs: referencedNames(typeUrl, r) };
}

interface TypeState {
  names: string[];
  nameSet: Set<string>;
  version: string;
  nonce: string;
  /** name → the resource as last received. */
  have: Map<string, ResourceInfo>;
}

let responses = 0;
let acks = 0;

class SimStream {
  private readonly types = new Map<string, TypeState>();
  private call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse> | undefined;
  private nodeSent = false;
  ready = false;

  constructor(
    private readonly client: grpc.Client,
    private readonly node: NodeIdentity,
    private readonly onReady: () => void,
    private readonly onError: (err: Error) => void,
  ) {}

  start(listenerNames: string[]): void {
    const method = (this.client as unknown as Record<string, () => grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>>).StreamAggregatedResources;
    this.call = method.call(this.client);
    this.call.on('data', (res: DiscoveryResponse) => this.onResponse(res));
    this.call.on('error', (err: grpc.ServiceError) => {
      if (err.code !== grpc.status.CANCELLED) this.onError(err);
    });
    this.call.on('end', () => undefined);
    this.subscribe(LISTENER_TYPE_URL, listenerNames);
  }

  close(): void {
    this.call?.cancel();
  }

  private state(typeUrl: string): TypeState {
    let s = this.types.get(typeUrl);
    if (!s) {
      s = { names: [], nameSet: new Set(), version: '', nonce: '', have: new Map() };
      this.types.set(typeUrl, s);
    }
    return s;
  }

  private subscribe(typeUrl: string, names: string[]): void {
    const s = this.state(typeUrl);
    const interned = internList(names);
    s.names = interned.list;
    s.nameSet = interned.set;
    for (const name of s.have.keys()) if (!s.nameSet.has(name)) s.have.delete(name);
    this.request(typeUrl, s);
  }

  private request(typeUrl: string, s: TypeState): void {
    const req: DiscoveryRequest = { version_info: s.version, resource_names: s.names, type_url: typeUrl, response_nonce: s.nonce };
    if (!this.nodeSent) {
      req.node = this.node;
      this.nodeSent = true;
    }
    this.call!.write(req);
  }

  private onResponse(res: DiscoveryResponse): void {
    responses++;
    const typeUrl = res.type_url;
    const s = this.state(typeUrl);
    if (requiresFullState(typeUrl)) s.have = new Map();
    for (const any of res.resources) {
      const info = resourceInfo(any);
      if (s.nameSet.has(info.name)) s.have.set(info.name, info);
    }
    s.version = res.version_info;
    s.nonce = res.nonce;
    // ACK: the same subscription, with the version and nonce just received.
    this.request(typeUrl, s);
    acks++;

    const next = NEXT[typeUrl];
    if (next) {
      const wanted = new Set<string>();
      for (const info of s.have.values()) for (const ref of info.refs) wanted.add(ref);
      const ns = this.state(next);
      if (wanted.size !== ns.nameSet.size || [...wanted].some((n) => !ns.nameSet.has(n))) this.subscribe(next, [...wanted].sort());
    }

    if (!this.ready && this.synced()) {
      this.ready = true;
      this.onReady();
    }
  }

  /** Every type has been asked for something, and holds every name it asked for. */
  private synced(): boolean {
    return ORDER.every((t) => {
      const s = this.types.get(t);
      return s !== undefined && s.names.length > 0 && s.have.size === s.nameSet.size;
    });
  }
}

const streams: SimStream[] = [];
const clients: grpc.Client[] = [];

function send(message: ChildMessage): void {
  process.send?.(message);
}

function open(cmd: OpenCommand): void {
  const started = performance.now();
  const Client = grpc.makeGenericClientConstructor(clientDefinition(), 'ADS');
  const channels = Math.ceil(cmd.streams / cmd.streamsPerChannel);
  for (let c = 0; c < channels; c++) {
    clients.push(
      new Client(`127.0.0.1:${cmd.port}`, grpc.credentials.createInsecure(), {
        // Separate channels must not share one subchannel (connection).
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_receive_message_length': -1,
        'grpc.max_send_message_length': -1,
        'grpc.enable_retries': 0,
      }),
    );
  }

  let next = 0;
  let ready = 0;
  let syncing = 0;
  let failed = false;
  const launch = () => {
    while (syncing < cmd.concurrency && next < cmd.streams) {
      const i = next++;
      syncing++;
      const node: NodeIdentity = { id: `bench-client-${i}`, cluster: 'bench', user_agent_name: 'gRPC Node Pure JS', user_agent_version: '1.14' };
      const stream = new SimStream(
        clients[Math.floor(i / cmd.streamsPerChannel)],
        node,
        () => {
          syncing--;
          ready++;
          if (ready % 500 === 0 && ready < cmd.streams) send({ type: 'progress', ready });
          if (ready === cmd.streams) send({ type: 'ready', ms: performance.now() - started, channels });
          else launch();
        },
        (err) => {
          if (failed) return;
          failed = true;
          send({ type: 'error', message: `stream ${i}: ${err.message}` });
        },
      );
      streams.push(stream);
      stream.start(cmd.listenerNames);
    }
  };
  launch();
}

async function closeAll(): Promise<void> {
  for (const s of streams) s.close();
  // Let the cancellations (RST_STREAM) reach the server before the connections go.
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const c of clients) c.close();
  streams.length = 0;
  clients.length = 0;
}

process.on('message', (message: ParentMessage) => {
  switch (message.type) {
    case 'open':
      try {
        open(message);
      } catch (err) {
        send({ type: 'error', message: String(err) });
      }
      break;
    case 'usage': {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      send({ type: 'usage', usage: { userMicros: cpu.user, systemMicros: cpu.system, rss: mem.rss, heapUsed: mem.heapUsed, responses, acks } });
      break;
    }
    case 'close':
      void closeAll().then(() => {
        // The parent disconnects, which ends this process (below).
        send({ type: 'closed' });
      });
      break;
  }
});

// The parent going away ends the clients too.
process.on('disconnect', () => process.exit(0));
