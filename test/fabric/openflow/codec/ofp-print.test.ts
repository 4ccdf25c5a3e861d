import { decode, encode } from '../../../../fabric/openflow/codec';
import { OFP_PRINT_CASES } from './ofp-print-cases';
import { requireOvsOfctl, ofpPrint } from './ovs-tools';

/**
 * What our encoder produces is what OVS understands: OVS's own decoder prints each
 * encoding as the expected text. Needs ovs-ofctl (scripts/setup.sh --test installs it).
 */

beforeAll(requireOvsOfctl);

describe('encode → ovs-ofctl ofp-print', () => {
  it.each(OFP_PRINT_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await ofpPrint(encode(c.value))).toBe(c.ofpPrint);
  });
});

describe('encodings of the ofp-print cases', () => {
  it.each(OFP_PRINT_CASES.map((c) => [c.name, c] as const))('%s: decodes and encodes back to the same bytes', (_name, c) => {
    const bytes = encode(c.value);
    expect(encode(decode(bytes))).toEqual(bytes);
  });
});
