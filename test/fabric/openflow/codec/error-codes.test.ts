import { decode, encode, errorCode, errorName, ErrorType } from '../../../../fabric/openflow/codec';
import { requireOvsOfctl, ofpPrint } from './ovs-tools';

/**
 * Error names: the OpenFlow 1.3.5 specification's for standard codes, OVS's for its
 * experimenter codes. Checked against the names OVS's decoder prints.
 */

/** Codes the specification and OVS name differently (OVS's names on the right). */
const OVS_RENAMED: Record<string, string> = {
  OFPBRC_BAD_MULTIPART: 'OFPBRC_BAD_STAT',
  OFPBRC_BAD_EXPERIMENTER: 'OFPBRC_BAD_VENDOR',
  OFPBRC_BAD_EXP_TYPE: 'OFPBRC_BAD_SUBTYPE',
  OFPBRC_IS_SLAVE: 'OFPBRC_IS_SECONDARY',
  OFPBAC_BAD_EXPERIMENTER: 'OFPBAC_BAD_VENDOR',
  OFPBAC_BAD_EXP_TYPE: 'OFPBAC_BAD_VENDOR_TYPE',
  OFPTFFC_BAD_TYPE: 'OFPBPC_BAD_TYPE',
  OFPTFFC_BAD_LEN: 'OFPBPC_BAD_LEN',
  OFPTFFC_BAD_ARGUMENT: 'OFPBPC_BAD_VALUE',
};

const CODES_PER_TYPE = [2, 14, 16, 9, 12, 8, 15, 5, 3, 3, 3, 3, 12, 6];
const STANDARD = CODES_PER_TYPE.flatMap((n, type) => Array.from({ length: n }, (_, code) => ({ errorType: type, code })));
const NX = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44].map((code) => ({
  errorType: ErrorType.EXPERIMENTER,
  code,
  experimenter: 0x2320,
}));
const ONF = [...Array.from({ length: 16 }, (_, i) => 2300 + i), ...Array.from({ length: 6 }, (_, i) => 4443 + i)].map((code) => ({
  errorType: ErrorType.EXPERIMENTER,
  code,
  experimenter: 0x4f4e4600,
}));
const ALL: { errorType: number; code: number; experimenter?: number }[] = [...STANDARD, ...NX, ...ONF];

describe('error names', () => {
  it('name every OpenFlow 1.3 code and map back to it', () => {
    for (const e of ALL) {
      const name = errorName(e.errorType, e.code, e.experimenter);
      expect(name).toMatch(/^(OFP|NX)[A-Z0-9]+_[A-Z0-9_]+$/);
      expect(errorCode(name)).toEqual(e);
    }
  });

  it.each([
    [4, 9, undefined, 'OFPBMC_BAD_PREREQ'],
    [0xffff, 15, 0x2320, 'NXBAC_BAD_CONJUNCTION'],
    [0xffff, 2302, 0x4f4e4600, 'OFPBFC_BAD_ID'],
    [4, 99, undefined, 'OFPET_BAD_MATCH(99)'],
    [77, 1, undefined, 'OFPET(77,1)'],
    [0xffff, 99, 0x2320, 'OFPET_EXPERIMENTER(0x2320,99)'],
  ])('%i/%i/%s is %s', (type, code, experimenter, name) => {
    expect(errorName(type, code, experimenter)).toBe(name);
  });

  it('decode attaches the name', () => {
    const bytes = encode({ type: 'error', xid: 5, ...errorCode('OFPGMFC_LOOP')!, data: Buffer.from('0410000800000005', 'hex') });
    expect(decode(bytes)).toMatchObject({ type: 'error', errorType: 6, code: 7, name: 'OFPGMFC_LOOP' });
  });

  it('agree with the names ovs-ofctl prints', async () => {
    requireOvsOfctl();
    const disagreements: string[] = [];
    for (const e of ALL) {
      const printed = await ofpPrint(encode({ type: 'error', xid: 1, ...e, data: Buffer.from('0400000800000001', 'hex') }));
      const ovsName = printed.split('\n')[0].replace(/^.*: /, '');
      const ours = errorName(e.errorType, e.code, e.experimenter);
      if ((OVS_RENAMED[ours] ?? ours) !== ovsName) disagreements.push(`${ours} vs ${ovsName}`);
    }
    expect(disagreements).toEqual([]);
  });
});
