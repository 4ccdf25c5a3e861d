import { flowFields, parseOfprotoTrace, TraceParseError } from '../../../fabric/trace';
import { traceText } from './fixtures';

/** The parser on real ofproto/trace output (fixtures.ts): passes, steps, conjunctions, NAT, buckets. */

describe('parseOfprotoTrace', () => {
  test('a pod-to-pod packet: the first pass stops at ct(), the recirculation as a new connection goes through to the tunnel', () => {
    const { passes } = parseOfprotoTrace(traceText('allowed.hop1.txt'));
    expect(passes).toHaveLength(2);
    const [first, second] = passes;
    expect(first.recircId).toBeUndefined();
    expect(first.datapathActions).toBe('ct(zone=1,nat),recirc(0x1)');
    expect(first.steps.map((s) => s.tableId)).toEqual([0, 1, 2, 3]);
    expect(first.steps[0]).toEqual({
      bridge: 'br-int',
      tableId: 0,
      match: 'in_port=2',
      priority: 200,
      cookie: expect.stringMatching(/^0x[0-9a-f]+$/),
      actions: ['load:0x1->NXM_NX_REG0[0..15]', 'load:0x1->NXM_NX_REG0[16..17]', 'goto_table:1'],
      notes: [],
    });
    expect(first.steps[2]).toMatchObject({ match: '', priority: 0, actions: ['goto_table:3'] });
    expect(first.steps[3].notes).toEqual(['A clone of the packet is forked to recirculate. The forked pipeline will be resumed at table 4.', 'Sets the packet to an untracked state, and clears all the conntrack fields.']);
    expect(second).toMatchObject({ recircId: '0x1', ctState: 'trk|new' });
    expect(second.nat).toBeUndefined();
    expect(second.flow).toMatch(/^recirc_id=0x1,ct_state=new\|trk,ct_zone=1,eth,tcp,/);
    // After the tunnel output, br-phy's NORMAL is traced too.
    expect(second.steps.map((s) => `${s.bridge}:${s.tableId}`)).toEqual(['br-int:4', 'br-int:5', 'br-int:6', 'br-int:7', 'br-int:8', 'br-int:10', 'br-int:11', 'br-phy:0']);
    expect(second.steps.find((s) => s.tableId === 6)).toMatchObject({ conjId: 1295647639, priority: 100 });
    expect(second.datapathActions).toMatch(/^ct\(commit,zone=1\),tnl_push\(tnl_port\(\d+\),header\(.*vxlan\(flags=0x8000000,vni=0x23f0\)\),out_port\(\d+\)\),\d+$/);
    expect(flowFields(second.finalFlow).get('tun_dst')).toBe('192.168.92.2');
  });

  test('to a VIP: the select group’s bucket, and the NAT the next recirculation simulates', () => {
    const { passes } = parseOfprotoTrace(traceText('vip.hop1.txt'));
    expect(passes.map((p) => p.recircId)).toEqual([undefined, '0x2', '0x6']);
    const lb = passes[1].steps.find((s) => s.tableId === 5)!;
    expect(lb.actions).toEqual([expect.stringMatching(/^group:\d+$/), 'bucket 0', 'ct(commit,table=6,zone=NXM_NX_REG0[0..15],nat(dst=10.92.0.5))', 'nat(dst=10.92.0.5)']);
    expect(lb.notes[0]).toBe('using bucket 0');
    expect(passes[1].finalFlow).toBe(passes[1].flow); // "Final flow: unchanged"
    expect(passes[2].nat).toEqual({ initial: 'nw_src=10.92.0.2,tp_src=49152,nw_dst=10.96.0.1,tp_dst=80', modified: 'nw_src=10.92.0.2,tp_src=49152,nw_dst=10.92.0.5,tp_dst=80' });
    expect(flowFields(passes[2].flow).get('nw_dst')).toBe('10.92.0.5');
  });

  test('the isolating flow that drops, from the tunnel on the receiving host', () => {
    const { passes } = parseOfprotoTrace(traceText('dropped-ingress.hop2.txt'));
    const last = passes[passes.length - 1];
    expect(last.steps[last.steps.length - 1]).toMatchObject({ tableId: 9, match: 'ip,reg1=0x2', priority: 10, actions: ['drop'] });
    expect(last.datapathActions).toBe('drop');
    expect(passes[0].steps[0].match).toBe('tun_id=0x23f0,in_port=1');
  });

  test('a table without a matching flow, and the ct_state --ct-next gave', () => {
    expect(parseOfprotoTrace(traceText('no-match.txt')).passes[0].steps).toEqual([{ bridge: 'brx', tableId: 0, match: '', actions: ['drop'], notes: [] }]);
    expect(parseOfprotoTrace(traceText('ct-est.hop1.txt')).passes[1]).toMatchObject({ ctState: 'est|trk' });
    expect(parseOfprotoTrace(traceText('ct-inv.hop1.txt')).passes[1].steps).toEqual([expect.objectContaining({ tableId: 4, match: 'ct_state=+inv+trk', priority: 200, actions: ['drop'] })]);
  });

  test('what is not a complete trace is refused, saying what it got', () => {
    expect(() => parseOfprotoTrace('ovs-appctl: /run/x.ctl: cannot connect (No such file)\n')).toThrow(new TraceParseError('not ofproto/trace output (no "Flow:" line): ovs-appctl: /run/x.ctl: cannot connect (No such file)', ''));
    const text = traceText('allowed.hop1.txt');
    expect(() => parseOfprotoTrace(text.slice(0, text.lastIndexOf('Datapath actions:')))).toThrow(/ends early: no "Datapath actions:" after "Flow: recirc_id=0x1,/);
  });
});

test('flowFields: key=value fields, bare words as empty', () => {
  expect([...flowFields('tcp,in_port=2,dl_src=0a:58:0a:5c:00:02,nw_frag=no')]).toEqual([
    ['tcp', ''],
    ['in_port', '2'],
    ['dl_src', '0a:58:0a:5c:00:02'],
    ['nw_frag', 'no'],
  ]);
});
