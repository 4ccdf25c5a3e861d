import fc from 'fast-check';
import { generatedMac, IpamError, parseIp, type Allocation, type Ipam } from '../../../fabric/ipam';
import { BACKENDS, type Backend } from './backends';

/**
 * Random sequences of allocate / release / gc against a plain reference model: after
 * every step each backend answers as the model says (or refuses with the error the model
 * expects), and `list()` shows exactly the model's allocations.
 */

/** 10.0.0.0/28 with gateway .1: thirteen addresses (.2–.14) for sixteen owners, so it fills up. */
const CIDR = '10.0.0.0/28';
const GATEWAY = '10.0.0.1';
const ASSIGNABLE = Array.from({ length: 13 }, (_, i) => `10.0.0.${i + 2}`);
const OWNERS = Array.from({ length: 16 }, (_, i) => `ns/p${i}`);
const HOSTS = ['h0', 'h1'];
/** Valid and invalid static IPs; static MACs, two of them the derived MACs of pool addresses. */
const STATIC_IPS = ['10.0.0.0', '10.0.0.1', '10.0.0.3', '10.0.0.9', '10.0.0.14', '10.0.0.15', '10.0.1.3'];
const STATIC_MACS = ['02:00:00:00:00:01', '02:00:00:00:00:02', '0a:58:0a:00:00:05', '0a:58:0a:00:00:09'];

type Op =
  | { op: 'allocate'; owner: string; host: string; ip?: string; mac?: string }
  | { op: 'release'; owner: string; host?: string }
  | { op: 'gc'; live: string[]; host?: string };

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('allocate' as const), owner: fc.constantFrom(...OWNERS), host: fc.constantFrom(...HOSTS), ip: maybe(fc.constantFrom(...STATIC_IPS)), mac: maybe(fc.constantFrom(...STATIC_MACS)) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('release' as const), owner: fc.constantFrom(...OWNERS), host: maybe(fc.constantFrom(...HOSTS)) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('gc' as const), live: fc.subarray(OWNERS), host: maybe(fc.constantFrom(...HOSTS)) }) },
);

type Held = Pick<Allocation, 'owner' | 'ip' | 'mac' | 'host'>;
/** What the model expects of an allocate: an allocation (a dynamic one: any of `choices`), or an error class name. */
type Expected = { held: Held; choices?: string[] } | { error: string };

const derived = (ip: string) => generatedMac(parseIp(ip)!.value);
const byIp = (a: Held, b: Held) => parseIp(a.ip)!.value < parseIp(b.ip)!.value ? -1 : 1;

class Model {
  readonly held = new Map<string, Held>();

  private holderOf(what: 'ip' | 'mac', value: string): string | undefined {
    return [...this.held.values()].find((h) => h[what] === value)?.owner;
  }

  expectAllocate({ owner, host, ip, mac }: Extract<Op, { op: 'allocate' }>): Expected {
    if (ip !== undefined && !ASSIGNABLE.includes(ip)) return { error: 'InvalidAddressError' };
    const mine = this.held.get(owner);
    if (mine) {
      if ((ip !== undefined && ip !== mine.ip) || (mac !== undefined && mac !== mine.mac)) return { error: 'AddressMismatchError' };
      return { held: { ...mine, host } };
    }
    if (mac !== undefined && this.holderOf('mac', mac)) return { error: 'AddressInUseError' };
    if (ip !== undefined) {
      if (this.holderOf('ip', ip) || (mac === undefined && this.holderOf('mac', derived(ip)))) return { error: 'AddressInUseError' };
      return { held: { owner, host, ip, mac: mac ?? derived(ip) } };
    }
    const choices = ASSIGNABLE.filter((a) => !this.holderOf('ip', a) && (mac !== undefined || !this.holderOf('mac', derived(a))));
    if (!choices.length) return { error: 'PoolExhaustedError' };
    return { held: { owner, host, ip: '', mac: mac ?? '' }, choices };
  }

  release(owner: string, host: string | undefined): Held | undefined {
    const mine = this.held.get(owner);
    if (!mine || (host !== undefined && mine.host !== host)) return undefined;
    this.held.delete(owner);
    return mine;
  }

  gc(live: string[], host: string | undefined): Held[] {
    const dead = [...this.held.values()].filter((h) => !live.includes(h.owner) && (host === undefined || h.host === host));
    for (const h of dead) this.held.delete(h.owner);
    return dead.sort(byIp);
  }

  list(): Held[] {
    return [...this.held.values()].sort(byIp);
  }
}

const heldOf = (a: Allocation): Held => ({ owner: a.owner, ip: a.ip, mac: a.mac, host: a.host });

async function step(ipam: Ipam, network: string, model: Model, op: Op): Promise<void> {
  if (op.op === 'allocate') {
    const expected = model.expectAllocate(op);
    const outcome = await ipam.allocate({ network, ...op }).then(
      (a) => ({ held: heldOf(a) }),
      (err: unknown) => {
        if (!(err instanceof IpamError)) throw err;
        return { error: err.name };
      },
    );
    if ('choices' in expected && 'held' in outcome) {
      // A dynamic allocation may take any free address; which one is the backend's choice.
      expect(expected.choices).toContain(outcome.held.ip);
      expect(outcome.held).toEqual({ ...expected.held, ip: outcome.held.ip, mac: op.mac ?? derived(outcome.held.ip) });
    } else {
      expect(outcome).toEqual(expected);
    }
    if ('held' in outcome) model.held.set(op.owner, outcome.held);
  } else if (op.op === 'release') {
    const freed = await ipam.release(network, op.owner, { host: op.host });
    expect(freed && heldOf(freed)).toEqual(model.release(op.owner, op.host));
  } else {
    const freed = await ipam.gc(network, new Set(op.live), { host: op.host });
    expect(freed.map(heldOf)).toEqual(model.gc(op.live, op.host));
  }
  expect((await ipam.list(network)).map(heldOf)).toEqual(model.list());
}

describe.each(BACKENDS)('IPAM against a reference model (%s)', (_name, makeBackend) => {
  const backend: Backend = makeBackend();
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  it('answers every random sequence of allocate, release and gc as the model does', async () => {
    const ipam = backend.cluster().agent();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60 }), async (ops) => {
        const network = `prop-${++run}`;
        await ipam.definePool({ network, cidr: CIDR, gateway: GATEWAY });
        const model = new Model();
        for (const op of ops) await step(ipam, network, model, op);
      }),
      { numRuns: 300 },
    );
  });
});
