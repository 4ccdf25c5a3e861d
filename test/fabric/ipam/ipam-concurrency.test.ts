import { AddressInUseError, PoolExhaustedError, type Ipam } from '../../../fabric/ipam';
import { BACKENDS, type Backend, type Cluster } from './backends';

/**
 * Several agents (for Redis: each its own connection, as on different hosts) allocating
 * from one pool at once never get the same address, and fill it exactly.
 */
describe.each(BACKENDS)('IPAM under concurrent agents (%s)', (_name, makeBackend) => {
  const backend: Backend = makeBackend();
  let cluster: Cluster;
  let agents: Ipam[];
  /** 200 addresses to hand out: .2 to .201. */
  const pool = { network: 'busy', cidr: '10.9.0.0/24', gateway: '10.9.0.1', reserved: Array.from({ length: 53 }, (_, i) => `10.9.0.${202 + i}`) };

  beforeAll(() => backend.start());
  afterAll(() => backend.stop());
  beforeEach(async () => {
    cluster = backend.cluster();
    agents = Array.from({ length: 4 }, () => cluster.agent());
    await agents[0].definePool(pool);
  });
  afterEach(() => backend.closeAgents());

  it('4 agents × 50 pods at once: 200 distinct IPs and MACs, the pool exactly full', async () => {
    const results = await Promise.all(
      agents.flatMap((agent, host) => Array.from({ length: 50 }, (_, i) => agent.allocate({ network: 'busy', owner: `ns/pod-${host}-${i}`, host: `host-${host}` }))),
    );
    expect(new Set(results.map((a) => a.ip)).size).toBe(200);
    expect(new Set(results.map((a) => a.mac)).size).toBe(200);
    const listed = await agents[1].list('busy');
    expect(listed).toHaveLength(200);
    expect(listed.map((a) => a.ip)).toEqual(Array.from({ length: 200 }, (_, i) => `10.9.0.${i + 2}`));
    for (const agent of agents) await expect(agent.allocate({ network: 'busy', owner: 'ns/one-too-many', host: 'h' })).rejects.toThrow(PoolExhaustedError);
    // Nothing stray in the indexes either: one entry per allocation in each.
    if (cluster.indexSizes) expect(await cluster.indexSizes('busy')).toEqual([200, 200, 200]);
  });

  it('8 agents racing for one static IP: exactly one wins, the others are told who has it', async () => {
    const racers = [...agents, ...Array.from({ length: 4 }, () => cluster.agent())];
    const outcomes = await Promise.allSettled(racers.map((agent, i) => agent.allocate({ network: 'busy', owner: `ns/racer-${i}`, host: `host-${i}`, ip: '10.9.0.77' })));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const winner = (won[0] as PromiseFulfilledResult<{ owner: string }>).value.owner;
    for (const lost of outcomes.filter((o) => o.status === 'rejected')) {
      expect(lost.reason).toBeInstanceOf(AddressInUseError);
      expect(lost.reason).toMatchObject({ address: '10.9.0.77', owner: winner });
    }
    expect(await agents[0].list('busy')).toHaveLength(1);
  });

  it('one pod added on 4 hosts at once (a move racing its own retry) keeps one allocation', async () => {
    const results = await Promise.all(agents.map((agent, host) => agent.allocate({ network: 'busy', owner: 'ns/mover', host: `host-${host}` })));
    expect(new Set(results.map((a) => `${a.ip} ${a.mac}`)).size).toBe(1);
    const [only] = await agents[0].list('busy');
    expect(results.map((a) => a.host)).toContain(only.host);
  });
});
