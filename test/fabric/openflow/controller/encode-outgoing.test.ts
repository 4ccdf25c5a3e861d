import { encode, OfpType, Writer } from '../../../../fabric/openflow/codec';
import { withXid, type Outgoing } from '../../../../fabric/openflow/controller/outgoing';
import { encodeOutgoing } from '../../../../fabric/openflow/controller/encode-outgoing';

/** The hand-framed bundle add of an encoded FLOW_MOD is byte for byte what the codec writes. */

const flowMod = encode({ type: 'flow_mod', xid: 0, command: 'add', cookie: 0x42n, priority: 7, match: { inPort: 3 }, instructions: [{ type: 'apply_actions', actions: [{ type: 'output', port: 1 }] }] });

test.each<[string, Outgoing]>([
  ['bundled encoded flow', { type: 'bundle_add_message', bundleId: 9, flags: 3, message: { type: 'raw', msgType: OfpType.FLOW_MOD, body: flowMod.subarray(8) } }],
  ['bundled encoded flow, default flags', { type: 'bundle_add_message', bundleId: 0xffffffff, message: { type: 'raw', msgType: OfpType.FLOW_MOD, body: flowMod.subarray(8) } }],
  ['bundled flow object', { type: 'bundle_add_message', bundleId: 9, flags: 1, message: { type: 'flow_mod', command: 'delete', cookie: 5n, cookieMask: 0xffn } }],
  ['plain message', { type: 'barrier_request' }],
])('%s', (_name, msg) => {
  const w = new Writer(16);
  encodeOutgoing(w, msg, 0x01020304);
  expect(w.copy()).toEqual(encode(withXid(msg, 0x01020304)));
});
