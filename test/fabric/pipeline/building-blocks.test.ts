import { Port } from '../../../fabric/openflow/codec';
import { Feature, flow, formatFlow, loadReg, matchReg, NetworkId, PacketSource, REG_FIELDS, Source, TABLES, tableId, tableName, TargetOfport } from '../../../fabric/pipeline';

/** Tables, registers, the flow builder and the text format, each on its own. */

describe('tables', () => {
  test('ids are positions in pipeline order; the extension points sit where their features need them', () => {
    expect(TABLES.map((t) => [t, tableId(t)])).toEqual(TABLES.map((t, i) => [t, i]));
    expect(tableName(3)).toBe('Conntrack');
    expect(tableName(TABLES.length)).toBeUndefined();
    const order = (t: (typeof TABLES)[number]) => tableId(t);
    const inOrder = ['SpoofGuard', 'Conntrack', 'ConntrackState', 'ServiceLB', 'EgressSecurity', 'L3Rewrite', 'L2Forwarding', 'IngressSecurity', 'ConntrackCommit', 'Output'] as const;
    inOrder.slice(1).forEach((t, i) => expect(order(inOrder[i])).toBeLessThan(order(t)));
    expect(() => tableId('Nope' as never)).toThrow('unknown pipeline table "Nope"; tables are Classifier, SpoofGuard');
  });
});

describe('registers', () => {
  test('named fields fit their register and never overlap', () => {
    const used = new Map<string, number>();
    for (const f of REG_FIELDS) {
      expect(f.ofs + f.nbits).toBeLessThanOrEqual(32);
      const bits = Number(((1n << BigInt(f.nbits)) - 1n) << BigInt(f.ofs));
      expect((used.get(f.reg) ?? 0) & bits).toBe(0);
      used.set(f.reg, (used.get(f.reg) ?? 0) | bits);
    }
  });

  test('fields of one register combine into one masked match; a whole register loses its mask', () => {
    const m = matchReg(matchReg({ inPort: 1 }, NetworkId, 0xfffe), PacketSource, Source.Tunnel);
    expect(m).toEqual({ inPort: 1, reg0: { value: 0x2fffe, mask: 0x3ffff } });
    expect(matchReg({}, TargetOfport, 0xfffffffe)).toEqual({ reg1: 0xfffffffe });
    expect(() => matchReg(m, NetworkId, 1)).toThrow('NetworkId is matched twice');
    expect(() => matchReg({}, PacketSource, 4)).toThrow('PacketSource is 2 bits wide: 4 does not fit');
  });

  test('loads name the field’s bits', () => {
    expect(loadReg(PacketSource, Source.LocalPod)).toEqual({ type: 'reg_load', dst: { field: 'reg0', ofs: 16, nbits: 2 }, value: 1n });
    expect(() => loadReg(NetworkId, 0x10000)).toThrow('NetworkId is 16 bits wide');
  });
});

describe('flow builder', () => {
  test('every call returns a new builder: a shared prefix stays untouched', () => {
    const base = flow('L2Forwarding', 200).matchReg(NetworkId, 7);
    const a = base.match({ ethDst: '02:00:00:00:00:01' }).loadReg(TargetOfport, 1).goto('IngressSecurity').build(Feature.Overlay);
    const b = base.match({ ethDst: '02:00:00:00:00:02' }).output(5).build(Feature.Overlay);
    expect(base.build(Feature.Overlay)).toEqual({ feature: 'overlay', tableId: tableId('L2Forwarding'), priority: 200, match: { reg0: { value: 7, mask: 0xffff } }, instructions: [] });
    expect(a.instructions).toEqual([
      { type: 'apply_actions', actions: [{ type: 'reg_load', dst: { field: 'reg1', ofs: 0, nbits: 32 }, value: 1n }] },
      { type: 'goto_table', tableId: tableId('IngressSecurity') },
    ]);
    expect(b.match.ethDst).toBe('02:00:00:00:00:02');
    expect(b.instructions).toEqual([{ type: 'apply_actions', actions: [{ type: 'output', port: 5 }] }]);
  });

  test('what OpenFlow would refuse is refused while building', () => {
    expect(() => flow('Output', 0).goto('Classifier').build(Feature.Overlay)).toThrow('Output cannot go to Classifier: goto_table must go to a later table');
    expect(() => flow('Output', 0).goto('Output').build(Feature.Overlay)).toThrow('goto_table must go to a later table');
    expect(() => flow('Output', 0x10000)).toThrow('priority 65536 is not 0..65535');
  });
});

describe('text format', () => {
  test('OVS’s spelling: zero without 0x, CONTROLLER with its length, reserved ports by name, no actions as drop', () => {
    const f = flow('Classifier', 5).match({ inPort: Port.LOCAL, ethType: 0x88cc }).matchReg(NetworkId, 0).loadReg(TargetOfport, 0).output(Port.CONTROLLER).goto('Output').build(Feature.Overlay);
    expect(formatFlow(f)).toBe('table=Classifier, priority=5,reg0=0/0xffff,in_port=LOCAL,dl_type=0x88cc actions=load:0->NXM_NX_REG1[],CONTROLLER:65535,goto_table:Output');
    expect(formatFlow(f, { tableNames: false })).toBe('table=0, priority=5,reg0=0/0xffff,in_port=LOCAL,dl_type=0x88cc actions=load:0->NXM_NX_REG1[],CONTROLLER:65535,goto_table:11');
    expect(formatFlow(flow('Output', 0).build(Feature.Overlay))).toBe('table=Output, priority=0 actions=drop');
  });

  test('what it cannot print the way OVS does, it refuses', () => {
    expect(() => formatFlow(flow('Output', 1).match({ ctZone: 1 }).build(Feature.Overlay))).toThrow('match field ctZone is not supported');
    expect(() => formatFlow(flow('Output', 1).apply({ type: 'ct_clear' }).build(Feature.Overlay))).toThrow('action ct_clear is not supported');
    expect(() => formatFlow(flow('Output', 1).setField({ field: 'ipv4Src', value: '10.0.0.1' }).build(Feature.Overlay))).toThrow('set_field of ipv4Src is not supported');
  });
});
