import * as grpc from '@grpc/grpc-js';
import { describeCause } from '../../src/errors';
import type { Logger } from '../../src/log';
import type { SnapshotCache } from '../cache/snapshot-cache';
import { DeltaStream } from './delta-stream';
import { adsServiceDefinition, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type DiscoveryRequest, type DiscoveryResponse } from './discovery-codec';
import { SotwStream } from './sotw-stream';
import { StreamContext } from './stream-context';
import type { XdsCallbacks } from './stream-registry';

/**
 * The only place that touches gRPC server types: binds the ADS service (SotW and Delta)
 * to stream state machines fed from the snapshot cache.
 */
export class AdsServer {
  private readonly server = new grpc.Server({
    // Many long-lived streams from one host (e.g. a node with many proxyless clients).
    'grpc.max_concurrent_streams': 100_000,
    'grpc.keepalive_permit_without_calls': 1,
  });
  private nextStreamId = 0;
  private boundPort: number | undefined;

  constructor(
    private readonly cache: SnapshotCache,
    private readonly callbacks: XdsCallbacks,
    private readonly log: Logger,
  ) {
    this.server.addService(adsServiceDefinition(), {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse>) => {
        const ctx = this.open('sotw');
        const stream = new SotwStream(ctx, (response) => call.write(response));
        this.serve(call, ctx, (req) => stream.onRequest(req));
      },
      DeltaAggregatedResources: (call: grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>) => {
        const ctx = this.open('delta');
        const stream = new DeltaStream(ctx, (response) => call.write(response));
        this.serve(call, ctx, (req) => stream.onRequest(req));
      },
    });
  }

  /** Listens on `host:port` (port 0 picks one) and returns the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(new Error(`xDS server cannot listen on ${address}: ${err.message}`, { cause: err })) : resolve(bound),
      ),
    );
    return this.boundPort;
  }

  get port(): number | undefined {
    return this.boundPort;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  /** Ends every stream now; clients reconnect and re-subscribe. */
  forceClose(): void {
    this.server.forceShutdown();
  }

  private open(protocol: 'sotw' | 'delta'): StreamContext {
    const id = ++this.nextStreamId;
    this.callbacks.onStreamOpen(id, protocol);
    return new StreamContext(id, this.cache, this.callbacks, this.log);
  }

  private serve<Req, Res>(call: grpc.ServerDuplexStream<Req, Res>, ctx: StreamContext, onRequest: (req: Req) => void): void {
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      ctx.close();
      this.log.info({ stream: ctx.id, node: ctx.node?.id }, 'xDS stream closed');
    };
    call.on('data', (req: Req) => {
      try {
        onRequest(req);
      } catch (err) {
        this.log.error({ stream: ctx.id, err: describeCause(err) }, 'xDS request failed; closing stream');
        call.destroy(err as Error);
        close();
      }
    });
    call.on('end', () => {
      close();
      call.end();
    });
    call.on('error', close);
    call.on('cancelled', close);
    call.on('close', close);
  }
}
