import { ofctlFixtures } from './fixtures/fixture-files';
import { OFCTL_COMMANDS } from './fixtures/ovs-ofctl-commands';
import { captureOfctl, requireOvsOfctl } from './ovs-tools';

/**
 * The committed ovs-ofctl fixtures are still what this host's ovs-ofctl sends: a changed
 * OVS (or a broken fake switch) shows up here rather than as a puzzling golden mismatch.
 */

beforeAll(requireOvsOfctl);
const fixtures = new Map(ofctlFixtures().map((f) => [f.name, f]));

describe('ovs-ofctl captures match the committed fixtures', () => {
  it.each(OFCTL_COMMANDS.map((c) => [c.name, c] as const))('%s', async (name, c) => {
    const messages = await captureOfctl(c);
    expect(messages.map((m) => m.toString('hex'))).toEqual(fixtures.get(name)!.messages.map((m) => m.hex));
  });
});
