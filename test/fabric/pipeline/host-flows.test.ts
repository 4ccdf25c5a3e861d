import fs from 'node:fs';
import { Feature, formatFlows, hostFlows, InvalidViewError, TABLES, tableId, validateView, type HostView, type PipelineFlow } from '../../../fabric/pipeline';
import { flowIdentity } from './flow-checks';
import { BLUE, EP, GOLDEN_FILE, GOLDEN_VIEW, GREEN, scaledView } from './views';

/**
 * hostFlows as a pure function: host A's flows against the committed golden dump, the
 * invariants every flow set must keep, linear growth, and view validation. The same
 * golden file is checked against a real bridge in ovs-pipeline.test.ts.
 */

test('host A’s flows match the golden dump (UPDATE_GOLDEN=1 rewrites it)', () => {
  const text = formatFlows(hostFlows(GOLDEN_VIEW));
  if (process.env.UPDATE_GOLDEN) fs.writeFileSync(GOLDEN_FILE, text);
  expect(text).toBe(fs.readFileSync(GOLDEN_FILE, 'utf8'));
});

test('the same view gives the same flows whatever the order of its lists', () => {
  const shuffled: HostView = {
    ...GOLDEN_VIEW,
    networks: [...GOLDEN_VIEW.networks].reverse(),
    endpoints: [...GOLDEN_VIEW.endpoints].reverse(),
    hosts: [...GOLDEN_VIEW.hosts].reverse(),
  };
  expect(hostFlows(shuffled)).toEqual(hostFlows(GOLDEN_VIEW));
});

describe('invariants of a flow set', () => {
  const flows = hostFlows(scaledView(100));

  test('every flow encodes as a FLOW_MOD, and no two share an OpenFlow identity (table, priority, match)', () => {
    expect(new Set(flows.map(flowIdentity)).size).toBe(flows.length);
  });

  test('flows come in table order, and every goto_table goes forward', () => {
    const tables = flows.map((f) => f.tableId);
    expect(tables).toEqual([...tables].sort((a, b) => a - b));
    for (const f of flows) for (const i of f.instructions) if (i.type === 'goto_table') expect(i.tableId).toBeGreaterThan(f.tableId);
  });

  test('every table has a lowest-priority flow that catches the rest', () => {
    for (const name of TABLES) expect(flows.some((f) => f.tableId === tableId(name) && f.priority === 0 && Object.keys(f.match).length === 0)).toBe(true);
  });

  test('isolation: every ARP answer and forwarding entry is scoped to one network', () => {
    const scoped = flows.filter((f) => (f.tableId === tableId('ArpResponder') || f.tableId === tableId('L2Forwarding')) && f.priority === 200);
    expect(scoped.length).toBeGreaterThan(0);
    for (const f of scoped) {
      const reg0 = f.match.reg0 as { value: number; mask: number };
      expect(reg0.mask & 0xffff).toBe(0xffff);
      expect(reg0.value & 0xffff).toBeGreaterThan(0);
    }
  });

  test('extension points pass through, owned by the feature that will fill them', () => {
    const owners = (table: string) => flows.filter((f) => f.tableId === tableId(table as never)).map((f) => f.feature);
    expect(owners('ServiceLB')).toEqual([Feature.ServiceLB]);
    expect(owners('EgressSecurity')).toEqual([Feature.EgressSecurity]);
    expect(owners('L3Rewrite')).toEqual([Feature.ServiceLB]);
    expect(owners('IngressSecurity')).toEqual([Feature.IngressSecurity]);
    const conntrack = ['Conntrack', 'ConntrackState', 'ConntrackCommit'];
    expect(new Set(conntrack.flatMap(owners))).toEqual(new Set([Feature.Conntrack]));
    const overlay = flows.filter((f) => ![...conntrack, 'ServiceLB', 'EgressSecurity', 'L3Rewrite', 'IngressSecurity'].includes(TABLES[f.tableId]));
    expect(new Set(overlay.map((f) => f.feature))).toEqual(new Set([Feature.Overlay]));
  });
});

describe('flows grow linearly with endpoints', () => {
  const perTable = (flows: PipelineFlow[]) => Object.fromEntries(TABLES.map((t) => [t, flows.filter((f) => f.tableId === tableId(t)).length]));

  test.each([10, 100, 1000])('%i endpoints on 5 hosts: 23 + 2.8·n flows on host A', (n) => {
    const flows = hostFlows(scaledView(n));
    // Host A has L = n/5 endpoints, R = n - L elsewhere, both networks (N = 2), one gateway (G = 1): 6L + 2R + N + G + 20.
    const L = n / 5;
    const R = n - L;
    expect(perTable(flows)).toEqual({
      Classifier: L + 2 + 1,
      SpoofGuard: 2 * L + 1,
      ArpResponder: L + R + 1 + 3,
      Conntrack: 2,
      ConntrackState: 3,
      ServiceLB: 1,
      EgressSecurity: 1,
      L3Rewrite: 1,
      L2Forwarding: L + R + 2,
      IngressSecurity: 1,
      ConntrackCommit: 2,
      Output: L + 1 + 1,
    });
    expect(flows.length).toBe(23 + (28 * n) / 10);
  });

  test('endpoints of a network with none on this host add nothing', () => {
    const view = scaledView(100);
    const red = { name: 'red', id: 3, vni: 5003, cidr: '10.0.0.0/8' };
    const reds = Array.from({ length: 50 }, (_, i) => ({ name: `red-${i}`, network: 'red', ip: `10.9.0.${i + 2}`, mac: `02:00:00:03:00:${(i + 2).toString(16).padStart(2, '0')}`, host: 'host-b' }));
    expect(hostFlows({ ...view, networks: [...view.networks, red], endpoints: [...view.endpoints, ...reds] })).toEqual(hostFlows(view));
  });

  test('1,000 endpoints build in well under a second', () => {
    const view = scaledView(1000);
    const start = performance.now();
    hostFlows(view);
    expect(performance.now() - start).toBeLessThan(500);
  });
});

describe('view validation names every problem and builds nothing', () => {
  const withEndpoints = (...endpoints: HostView['endpoints']): HostView => ({ ...GOLDEN_VIEW, endpoints: [...GOLDEN_VIEW.endpoints, ...endpoints] });
  const cases: { name: string; view: HostView; problems: string[] }[] = [
    { name: 'the golden view is valid', view: GOLDEN_VIEW, problems: [] },
    {
      name: 'a local endpoint without a port, a remote one on an unknown host',
      view: withEndpoints({ ...EP.aBlue2, ofport: undefined }, { ...EP.cBlue, name: 'd-blue', ip: '10.0.0.9', mac: '02:00:00:01:00:09', host: 'host-d' }),
      problems: ['endpoints[6] (a-blue2).ofport: undefined is not a port number 1..65279 (required for an endpoint on this host)', 'endpoints[7] (d-blue).host: "host-d" is neither host.name nor in hosts'],
    },
    {
      name: 'same IP or MAC twice in one network (fine across networks), the gateway’s IP, an IP outside the CIDR',
      view: withEndpoints(
        { ...EP.aBlue2, ip: EP.bBlue.ip },
        { ...EP.cBlue, name: 'c-blue2', ip: '10.0.0.7', mac: EP.aBlue.mac },
        { ...EP.cBlue, name: 'c-blue3', ip: BLUE.gatewayIp, mac: '02:00:00:01:00:10' },
        { ...EP.cBlue, name: 'c-blue4', ip: '10.0.1.1', mac: '02:00:00:01:00:11' },
      ),
      problems: [
        'endpoints[6] (a-blue2).ip: 10.0.0.3 is also endpoint b-blue\'s IP in network blue',
        'endpoints[7] (c-blue2).mac: 02:00:00:01:00:02 is also endpoint a-blue\'s MAC in network blue',
        'endpoints[8] (c-blue3).ip: 10.0.0.1 is network blue\'s gateway',
        'endpoints[9] (c-blue4).ip: 10.0.1.1 is not in network blue\'s 10.0.0.0/24',
      ],
    },
    {
      name: 'ports: the tunnel’s, another endpoint’s, out of range',
      view: withEndpoints({ ...EP.aBlue2, ofport: 100 }, { ...EP.aBlue2, name: 'a-blue3', ip: '10.0.0.7', mac: '02:00:00:01:00:07', ofport: 1 }, { ...EP.aBlue2, name: 'a-blue4', ip: '10.0.0.8', mac: '02:00:00:01:00:08', ofport: 0xffff }),
      problems: ['endpoints[6] (a-blue2).ofport: 100 is the tunnel\'s port', 'endpoints[7] (a-blue3).ofport: 1 is also endpoint a-blue\'s port', 'endpoints[8] (a-blue4).ofport: 65535 is not a port number 1..65279 (required for an endpoint on this host)'],
    },
    {
      name: 'networks: duplicate id and VNI, bad CIDR, half a gateway, multicast MAC',
      view: {
        ...GOLDEN_VIEW,
        networks: [BLUE, { ...GREEN, id: 1, vni: 5001, cidr: '10.0.0.1/24', gatewayIp: '10.0.0.1' }, { name: 'red', id: 0x10000, vni: 1 << 24, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1', gatewayMac: '01:00:5e:00:00:01' }],
      },
      problems: [
        'networks[1] (green).id: 1 is also the id of network blue',
        'networks[1] (green).vni: 5001 is also the VNI of network blue',
        'networks[1] (green).cidr: "10.0.0.1/24" is not an IPv4 CIDR with its host bits zero (10.1.0.0/16)',
        'networks[1] (green): gatewayIp and gatewayMac go together: set both or neither',
        'networks[2] (red).id: 65536 is not an integer 1..65535 (it is kept in 16 bits of reg0; 0 means "not classified")',
        'networks[2] (red).vni: 16777216 is not a VNI 1..16777215',
        'networks[2] (red).gatewayMac: "01:00:5e:00:00:01" is not a unicast MAC address',
      ],
    },
    {
      name: 'an unknown network, bad addresses',
      view: withEndpoints({ ...EP.cBlue, name: 'x', network: 'red', ip: '10.0.0.300', mac: '02:00:00:00:00' }),
      problems: ['endpoints[6] (x).network: "red" is not in networks', 'endpoints[6] (x).ip: "10.0.0.300" is not an IPv4 address', 'endpoints[6] (x).mac: "02:00:00:00:00" is not a unicast MAC address'],
    },
    {
      name: 'the host: bad underlay IP and tunnel port, listed with another underlay IP',
      view: { ...GOLDEN_VIEW, host: { name: 'host-a', underlayIp: '192.168.50.1.1', tunnelOfport: 0 } },
      problems: ['host.underlayIp: "192.168.50.1.1" is not an IPv4 address', 'host.tunnelOfport: 0 is not a port number 1..65279', 'hosts[0] (host-a).underlayIp: 192.168.50.1 differs from host.underlayIp 192.168.50.1.1'],
    },
  ];

  test.each(cases)('$name', ({ view, problems }) => {
    expect(validateView(view).map((p) => `${p.path}: ${p.message}`)).toEqual(problems);
    if (problems.length === 0) return;
    const err = (() => {
      try {
        hostFlows(view);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidViewError);
    expect((err as InvalidViewError).problems).toHaveLength(problems.length);
    expect((err as Error).message).toContain(problems[0]);
  });
});
