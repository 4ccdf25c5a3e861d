import { Counter, Gauge, type Registry } from 'prom-client';
import type { NodeIdentity } from '../resources/client-profile';
import { SHORT_NAME, isResourceTypeUrl } from '../resources/type-urls';
import type { XdsCallbacks } from './stream-registry';

/** Prometheus metrics of the xDS server, fed by the same callbacks as proxy-status. */
export class XdsMetrics implements XdsCallbacks {
  private readonly streams: Gauge<'protocol'>;
  private readonly responses: Counter<'type'>;
  private readonly acks: Counter<'type'>;
  private readonly nacks: Counter<'type'>;
  private readonly protocols = new Map<number, 'sotw' | 'delta'>();

  constructor(registry: Registry) {
    this.streams = new Gauge({ name: 'loom_xds_streams', help: 'Open ADS streams', labelNames: ['protocol'], registers: [registry] });
    this.responses = new Counter({ name: 'loom_xds_responses_total', help: 'Discovery responses sent', labelNames: ['type'], registers: [registry] });
    this.acks = new Counter({ name: 'loom_xds_acks_total', help: 'Responses a client accepted', labelNames: ['type'], registers: [registry] });
    this.nacks = new Counter({ name: 'loom_xds_nacks_total', help: 'Responses a client rejected', labelNames: ['type'], registers: [registry] });
  }

  onStreamOpen(streamId: number, protocol: 'sotw' | 'delta'): void {
    this.protocols.set(streamId, protocol);
    this.streams.inc({ protocol });
  }

  onStreamClosed(streamId: number): void {
    const protocol = this.protocols.get(streamId);
    if (!protocol) return;
    this.protocols.delete(streamId);
    this.streams.dec({ protocol });
  }

  onResponse(_streamId: number, typeUrl: string): void {
    this.responses.inc({ type: short(typeUrl) });
  }

  onAck(_streamId: number, typeUrl: string): void {
    this.acks.inc({ type: short(typeUrl) });
  }

  onNack(_streamId: number, typeUrl: string): void {
    this.nacks.inc({ type: short(typeUrl) });
  }

  onNode(_streamId: number, _node: NodeIdentity | undefined, _profile: string): void {}

  onSubscription(): void {}
}

function short(typeUrl: string): string {
  return isResourceTypeUrl(typeUrl) ? SHORT_NAME[typeUrl] : 'other';
}

/** One callbacks object that tells several. */
export function allOf(...targets: XdsCallbacks[]): XdsCallbacks {
  const each =
    <K extends keyof XdsCallbacks>(key: K) =>
    (...args: Parameters<XdsCallbacks[K]>) => {
      for (const t of targets) (t[key] as (...a: Parameters<XdsCallbacks[K]>) => void)(...args);
    };
  return {
    onStreamOpen: each('onStreamOpen'),
    onNode: each('onNode'),
    onResponse: each('onResponse'),
    onAck: each('onAck'),
    onNack: each('onNack'),
    onSubscription: each('onSubscription'),
    onStreamClosed: each('onStreamClosed'),
  };
}
