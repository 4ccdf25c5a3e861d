import * as grpc from '@grpc/grpc-js';

/**
 * A gRPC backend that answers every call of `/loom.test.Echo/Call` with its own name, so
 * a client can tell which backend an RPC landed on. Messages are raw bytes: no protos
 * are needed on either side, and any gRPC implementation can call it.
 */

export const ECHO_METHOD = '/loom.test.Echo/Call';

export interface EchoBackend {
  name: string;
  port: number;
  close(): Promise<void>;
}

const identity = (bytes: Buffer) => bytes;

export async function startEchoBackend(name: string): Promise<EchoBackend> {
  const server = new grpc.Server();
  const reply = Buffer.from(name, 'utf8');
  const handler: grpc.handleUnaryCall<Buffer, Buffer> = (_call, callback) => callback(null, reply);
  server.register(ECHO_METHOD, handler, identity, identity, 'unary');
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return {
    name,
    port,
    // Force: clients hold connections open, and a graceful shutdown would wait for them.
    close: async () => server.forceShutdown(),
  };
}

export async function startEchoBackends(names: string[]): Promise<EchoBackend[]> {
  return Promise.all(names.map(startEchoBackend));
}
