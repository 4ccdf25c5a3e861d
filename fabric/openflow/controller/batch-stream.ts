import { Writer } from '../codec';
import { encodeOutgoing } from './encode-outgoing';
import type { Outbox } from './outbox';
import type { Outgoing } from './outgoing';

/** A batch goes to the socket in pieces of about this size, waiting for it to drain in between. */
const CHUNK_BYTES = 1024 * 1024;
/** No OpenFlow message is longer: the length field has 16 bits. */
const MAX_MESSAGE = 65535;

/**
 * Sends a batch of messages numbered from `firstXid`, chunk by chunk, letting the socket
 * drain in between so a batch of 100,000 never sits in memory twice. Messages that could
 * fail to encode are all encoded before the first byte goes out (nothing is sent for a
 * batch with a bad message: the call throws). Already-encoded FLOW_MODs in bundle adds
 * cannot fail, so they are encoded chunk by chunk while the switch reads the previous
 * chunk. Resolves once everything is handed to the socket.
 */
export function streamBatch(outbox: Outbox, messages: readonly Outgoing[], firstXid: number, closed: () => Error | undefined): Promise<void> {
  let next = 0;
  const encodeChunk = (): Buffer => {
    const w = new Writer(Math.min(CHUNK_BYTES + MAX_MESSAGE, 256 * (messages.length - next) + 64));
    for (; next < messages.length && w.pos < CHUNK_BYTES; next++) encodeOutgoing(w, messages[next], firstXid + next);
    return w.buf.subarray(0, w.pos);
  };
  const chunks: Buffer[] = [];
  if (!messages.every(preEncoded)) while (next < messages.length) chunks.push(encodeChunk());

  const send = async () => {
    for (let i = 0; i < chunks.length || next < messages.length; i++) {
      const err = closed();
      if (err) throw err;
      outbox.writeNow(i < chunks.length ? chunks[i] : encodeChunk());
      if (outbox.congested) await outbox.drained();
    }
  };
  return send();
}

function preEncoded(msg: Outgoing): boolean {
  return msg.type === 'bundle_add_message' && msg.message.type === 'raw';
}
