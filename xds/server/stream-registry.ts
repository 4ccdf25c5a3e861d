import type { NodeIdentity } from '../resources/client-profile';
import { SHORT_NAME, isResourceTypeUrl } from '../resources/type-urls';

/**
 * What every open xDS stream has been sent and has acknowledged: the data behind
 * `loom proxy-status`. Streams report through these callbacks; nothing else reads them.
 */
export interface XdsCallbacks {
  onStreamOpen(streamId: number, protocol: 'sotw' | 'delta'): void;
  onNode(streamId: number, node: NodeIdentity | undefined, profile: string): void;
  onResponse(streamId: number, typeUrl: string, version: string, nonce: string, resourceCount: number): void;
  onAck(streamId: number, typeUrl: string, version: string, nonce: string): void;
  onNack(streamId: number, typeUrl: string, version: string, nonce: string, message: string): void;
  onSubscription(streamId: number, typeUrl: string, subscribed: number | '*'): void;
  onStreamClosed(streamId: number): void;
}

export interface TypeStatus {
  subscribed: number | '*';
  sentVersion?: string;
  sentNonce?: string;
  ackedVersion?: string;
  /** The client rejected this version; it keeps using `ackedVersion`. */
  lastNack?: { version: string; nonce: string; message: string; at: string };
}

export interface StreamStatus {
  streamId: number;
  protocol: 'sotw' | 'delta';
  connectedAt: string;
  nodeId?: string;
  cluster?: string;
  userAgent?: string;
  profile?: string;
  types: Record<string, TypeStatus>;
}

export class StreamRegistry implements XdsCallbacks {
  private readonly streams = new Map<number, StreamStatus>();

  list(): StreamStatus[] {
    return [...this.streams.values()].map((s) => structuredClone(s));
  }

  onStreamOpen(streamId: number, protocol: 'sotw' | 'delta'): void {
    this.streams.set(streamId, { streamId, protocol, connectedAt: new Date().toISOString(), types: {} });
  }

  onNode(streamId: number, node: NodeIdentity | undefined, profile: string): void {
    const s = this.streams.get(streamId);
    if (!s) return;
    s.nodeId = node?.id;
    s.cluster = node?.cluster || undefined;
    s.userAgent = [node?.user_agent_name, node?.user_agent_version].filter(Boolean).join('/') || undefined;
    s.profile = profile;
  }

  onResponse(streamId: number, typeUrl: string, version: string, nonce: string): void {
    const t = this.type(streamId, typeUrl);
    if (t) Object.assign(t, { sentVersion: version, sentNonce: nonce });
  }

  onAck(streamId: number, typeUrl: string, version: string): void {
    const t = this.type(streamId, typeUrl);
    if (t) t.ackedVersion = version;
  }

  onNack(streamId: number, typeUrl: string, version: string, nonce: string, message: string): void {
    const t = this.type(streamId, typeUrl);
    if (t) t.lastNack = { version, nonce, message, at: new Date().toISOString() };
  }

  onSubscription(streamId: number, typeUrl: string, subscribed: number | '*'): void {
    const t = this.type(streamId, typeUrl);
    if (t) t.subscribed = subscribed;
  }

  onStreamClosed(streamId: number): void {
    this.streams.delete(streamId);
  }

  private type(streamId: number, typeUrl: string): TypeStatus | undefined {
    const s = this.streams.get(streamId);
    if (!s) return undefined;
    const key = isResourceTypeUrl(typeUrl) ? SHORT_NAME[typeUrl] : typeUrl;
    return (s.types[key] ??= { subscribed: 0 });
  }
}
