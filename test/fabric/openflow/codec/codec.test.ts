import { EXPECTED_OFCTL } from './expected-ofctl';
import {
  CtFlags,
  CtState,
  decode,
  encode,
  OpenFlowDecodeError,
  OpenFlowEncodeError,
  Reader,
  readMessage,
  Writer,
  writeMessage,
  whole,
  type FlowModInput,
  type OfpMessage,
  type OfpMessageInput,
} from '../../../../fabric/openflow/codec';

/** The entry points: one message, many in one buffer, versions, nesting. */

const flow: FlowModInput = {
  type: 'flow_mod',
  xid: 7,
  command: 'add',
  tableId: 3,
  priority: 100,
  match: { ethType: 0x0800, ipv4Dst: '10.0.0.0/24', ctState: { value: CtState.trk, mask: CtState.trk | CtState.inv } },
  instructions: [{ type: 'apply_actions', actions: [{ type: 'ct', flags: CtFlags.COMMIT, zone: 5, recircTable: 10 }] }],
};

describe('encode and decode', () => {
  it('fill in defaults on decode', () => {
    expect(decode(encode(flow))).toEqual({
      ...flow,
      cookie: 0n,
      cookieMask: 0n,
      idleTimeout: 0,
      hardTimeout: 0,
      bufferId: 0xffffffff,
      outPort: 0xffffffff,
      outGroup: 0xffffffff,
      flags: 0,
      instructions: [{ type: 'apply_actions', actions: [{ type: 'ct', flags: CtFlags.COMMIT, zone: 5, recircTable: 10, alg: 0, actions: [] }] }],
    });
  });

  it('accept a plain Uint8Array', () => {
    const bytes = encode({ type: 'echo_request', xid: 1, data: Buffer.from('x') });
    expect(decode(new Uint8Array(bytes))).toEqual({ type: 'echo_request', xid: 1, data: Buffer.from('x') });
  });

  it('write and read many messages in one buffer', () => {
    const messages: OfpMessageInput[] = [flow, { type: 'barrier_request', xid: 8 }, { type: 'echo_request', xid: 9, data: Buffer.from('hi') }];
    const w = new Writer(16);
    const starts = messages.map((m) => writeMessage(w, m));
    expect(starts[0]).toBe(0);
    const r = new Reader(w.copy());
    const read: OfpMessage[] = [];
    while (r.remaining > 0) read.push(readMessage(r));
    expect(read.map((m) => encode(m))).toEqual(messages.map((m) => encode(m)));
  });

  it('decode a HELLO of any version, for version negotiation, and nothing else', () => {
    const hello = Buffer.from('06000010000000010001000800000050', 'hex');
    expect(decode(hello)).toEqual({ type: 'hello', xid: 1, version: 6, versions: [4, 6] });
    const old = Buffer.from('0114000800000001', 'hex');
    expect(() => decode(old)).toThrow(expect.objectContaining({ offset: 0, expected: 'version 4 (OpenFlow 1.3)', found: '1' }));
  });

  it('refuse bundles nested without end', () => {
    let m: OfpMessageInput = { type: 'barrier_request', xid: 1 };
    for (let i = 0; i < 6; i++) m = { type: 'bundle_add_message', xid: 1, bundleId: 1, message: m };
    expect(() => encode(m)).toThrow(OpenFlowEncodeError);

    let bytes = encode({ type: 'barrier_request', xid: 1 });
    for (let i = 0; i < 6; i++) {
      const head = encode({ type: 'bundle_add_message', xid: 1, bundleId: 1, message: { type: 'barrier_request', xid: 1 } }).subarray(0, 24);
      bytes = Buffer.concat([head, bytes]);
      bytes.writeUInt16BE(bytes.length, 2);
    }
    expect(() => decode(bytes)).toThrow(OpenFlowDecodeError);
    expect(() => decode(bytes)).toThrow(/bundled messages nested at most 4 deep/);
  });

  it('keep unknown message types and experimenter messages as bytes', () => {
    const portMod = Buffer.from('0410002000000005' + '00000001000000000200000000010000' + '0000000100000001', 'hex');
    expect(decode(portMod)).toEqual({ type: 'raw', xid: 5, msgType: 16, body: portMod.subarray(8) });
    expect(encode(decode(portMod))).toEqual(portMod);
    const nxt = encode({ type: 'experimenter', xid: 6, experimenter: 0x2320, expType: 17, data: Buffer.from('0000000000000000', 'hex') });
    expect(decode(nxt)).toEqual({ type: 'experimenter', xid: 6, experimenter: 0x2320, expType: 17, data: Buffer.alloc(8) });
  });

  it('names whole fields the way OVS writes NXM_OF_ETH_SRC[]', () => {
    const arp = EXPECTED_OFCTL['flow-arp-responder'][0];
    if (arp.type !== 'flow_mod' || arp.instructions[0].type !== 'apply_actions') throw new Error('fixture changed');
    expect(arp.instructions[0].actions[0]).toEqual({ type: 'reg_move', src: whole('ethSrc'), dst: whole('ethDst') });
    expect(whole('ctLabel')).toEqual({ field: 'ctLabel', ofs: 0, nbits: 128 });
  });
});
