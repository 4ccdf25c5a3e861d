import { ONF_EXPERIMENTER_ID } from './fields';
import { NX_VENDOR_ID } from './nicira';

/**
 * Names for OFPT_ERROR type/code pairs: every OpenFlow 1.3 type and code (names as in the
 * 1.3.5 specification), and the experimenter errors OVS sends on OpenFlow 1.3 — Nicira's
 * (type 0xffff, experimenter 0x2320) and ONF's bundle errors (experimenter 0x4f4e4600),
 * which OpenFlow 1.4 later made standard.
 */

export const ErrorType = {
  HELLO_FAILED: 0,
  BAD_REQUEST: 1,
  BAD_ACTION: 2,
  BAD_INSTRUCTION: 3,
  BAD_MATCH: 4,
  FLOW_MOD_FAILED: 5,
  GROUP_MOD_FAILED: 6,
  PORT_MOD_FAILED: 7,
  TABLE_MOD_FAILED: 8,
  QUEUE_OP_FAILED: 9,
  SWITCH_CONFIG_FAILED: 10,
  ROLE_REQUEST_FAILED: 11,
  METER_MOD_FAILED: 12,
  TABLE_FEATURES_FAILED: 13,
  EXPERIMENTER: 0xffff,
} as const;

/** Codes of each type, by value. */
const CODES: Record<number, { type: string; prefix: string; codes: readonly string[] }> = {
  0: { type: 'OFPET_HELLO_FAILED', prefix: 'OFPHFC_', codes: ['INCOMPATIBLE', 'EPERM'] },
  1: {
    type: 'OFPET_BAD_REQUEST',
    prefix: 'OFPBRC_',
    codes: [
      'BAD_VERSION', 'BAD_TYPE', 'BAD_MULTIPART', 'BAD_EXPERIMENTER', 'BAD_EXP_TYPE', 'EPERM', 'BAD_LEN',
      'BUFFER_EMPTY', 'BUFFER_UNKNOWN', 'BAD_TABLE_ID', 'IS_SLAVE', 'BAD_PORT', 'BAD_PACKET',
      'MULTIPART_BUFFER_OVERFLOW',
    ],
  },
  2: {
    type: 'OFPET_BAD_ACTION',
    prefix: 'OFPBAC_',
    codes: [
      'BAD_TYPE', 'BAD_LEN', 'BAD_EXPERIMENTER', 'BAD_EXP_TYPE', 'BAD_OUT_PORT', 'BAD_ARGUMENT', 'EPERM',
      'TOO_MANY', 'BAD_QUEUE', 'BAD_OUT_GROUP', 'MATCH_INCONSISTENT', 'UNSUPPORTED_ORDER', 'BAD_TAG',
      'BAD_SET_TYPE', 'BAD_SET_LEN', 'BAD_SET_ARGUMENT',
    ],
  },
  3: {
    type: 'OFPET_BAD_INSTRUCTION',
    prefix: 'OFPBIC_',
    codes: ['UNKNOWN_INST', 'UNSUP_INST', 'BAD_TABLE_ID', 'UNSUP_METADATA', 'UNSUP_METADATA_MASK', 'BAD_EXPERIMENTER', 'BAD_EXP_TYPE', 'BAD_LEN', 'EPERM'],
  },
  4: {
    type: 'OFPET_BAD_MATCH',
    prefix: 'OFPBMC_',
    codes: ['BAD_TYPE', 'BAD_LEN', 'BAD_TAG', 'BAD_DL_ADDR_MASK', 'BAD_NW_ADDR_MASK', 'BAD_WILDCARDS', 'BAD_FIELD', 'BAD_VALUE', 'BAD_MASK', 'BAD_PREREQ', 'DUP_FIELD', 'EPERM'],
  },
  5: {
    type: 'OFPET_FLOW_MOD_FAILED',
    prefix: 'OFPFMFC_',
    codes: ['UNKNOWN', 'TABLE_FULL', 'BAD_TABLE_ID', 'OVERLAP', 'EPERM', 'BAD_TIMEOUT', 'BAD_COMMAND', 'BAD_FLAGS'],
  },
  6: {
    type: 'OFPET_GROUP_MOD_FAILED',
    prefix: 'OFPGMFC_',
    codes: [
      'GROUP_EXISTS', 'INVALID_GROUP', 'WEIGHT_UNSUPPORTED', 'OUT_OF_GROUPS', 'OUT_OF_BUCKETS', 'CHAINING_UNSUPPORTED',
      'WATCH_UNSUPPORTED', 'LOOP', 'UNKNOWN_GROUP', 'CHAINED_GROUP', 'BAD_TYPE', 'BAD_COMMAND', 'BAD_BUCKET',
      'BAD_WATCH', 'EPERM',
    ],
  },
  7: { type: 'OFPET_PORT_MOD_FAILED', prefix: 'OFPPMFC_', codes: ['BAD_PORT', 'BAD_HW_ADDR', 'BAD_CONFIG', 'BAD_ADVERTISE', 'EPERM'] },
  8: { type: 'OFPET_TABLE_MOD_FAILED', prefix: 'OFPTMFC_', codes: ['BAD_TABLE', 'BAD_CONFIG', 'EPERM'] },
  9: { type: 'OFPET_QUEUE_OP_FAILED', prefix: 'OFPQOFC_', codes: ['BAD_PORT', 'BAD_QUEUE', 'EPERM'] },
  10: { type: 'OFPET_SWITCH_CONFIG_FAILED', prefix: 'OFPSCFC_', codes: ['BAD_FLAGS', 'BAD_LEN', 'EPERM'] },
  11: { type: 'OFPET_ROLE_REQUEST_FAILED', prefix: 'OFPRRFC_', codes: ['STALE', 'UNSUP', 'BAD_ROLE'] },
  12: {
    type: 'OFPET_METER_MOD_FAILED',
    prefix: 'OFPMMFC_',
    codes: [
      'UNKNOWN', 'METER_EXISTS', 'INVALID_METER', 'UNKNOWN_METER', 'BAD_COMMAND', 'BAD_FLAGS', 'BAD_RATE',
      'BAD_BURST', 'BAD_BAND', 'BAD_BAND_VALUE', 'OUT_OF_METERS', 'OUT_OF_BANDS',
    ],
  },
  13: { type: 'OFPET_TABLE_FEATURES_FAILED', prefix: 'OFPTFFC_', codes: ['BAD_TABLE', 'BAD_METADATA', 'BAD_TYPE', 'BAD_LEN', 'BAD_ARGUMENT', 'EPERM'] },
};

/** Experimenter error codes (`exp_code`) by experimenter id, as OVS names them. */
const EXPERIMENTER_CODES: Record<number, Record<number, string>> = {
  [NX_VENDOR_ID]: {
    2: 'NXBRC_NXM_INVALID',
    3: 'NXBRC_NXM_BAD_TYPE',
    4: 'NXBRC_MUST_BE_ZERO',
    5: 'NXBRC_BAD_REASON',
    6: 'OFPMOFC_MONITOR_EXISTS',
    7: 'OFPMOFC_BAD_FLAGS',
    8: 'OFPMOFC_UNKNOWN_MONITOR',
    9: 'NXBRC_FM_BAD_EVENT',
    10: 'NXBRC_UNENCODABLE_ERROR',
    11: 'NXBAC_MUST_BE_ZERO',
    12: 'NXFMFC_HARDWARE',
    13: 'NXFMFC_BAD_TABLE_ID',
    15: 'NXBAC_BAD_CONJUNCTION',
    16: 'NXTTMFC_BAD_COMMAND',
    17: 'NXTTMFC_BAD_OPT_LEN',
    18: 'NXTTMFC_BAD_FIELD_IDX',
    19: 'NXTTMFC_TABLE_FULL',
    20: 'NXTTMFC_ALREADY_MAPPED',
    21: 'NXTTMFC_DUP_ENTRY',
    34: 'NXR_NOT_SUPPORTED',
    35: 'NXR_STALE',
    36: 'NXST_NOT_CONFIGURED',
    37: 'NXFMFC_INVALID_TLV_FIELD',
    38: 'NXTTMFC_INVALID_TLV_DEL',
    39: 'NXBAC_BAD_HEADER_TYPE',
    40: 'NXBAC_UNKNOWN_ED_PROP',
    41: 'NXBAC_BAD_ED_PROP',
    42: 'NXBAC_CT_DATAPATH_SUPPORT',
    43: 'NXBMC_CT_DATAPATH_SUPPORT',
    44: 'NXTFFC_DUP_TABLE',
  },
  [ONF_EXPERIMENTER_ID]: {
    ...Object.fromEntries(
      [
        'UNKNOWN', 'EPERM', 'BAD_ID', 'BUNDLE_EXIST', 'BUNDLE_CLOSED', 'OUT_OF_BUNDLES', 'BAD_TYPE', 'BAD_FLAGS',
        'MSG_BAD_LEN', 'MSG_BAD_XID', 'MSG_UNSUP', 'MSG_CONFLICT', 'MSG_TOO_MANY', 'MSG_FAILED', 'TIMEOUT',
        'BUNDLE_IN_PROGRESS',
      ].map((name, i) => [2300 + i, `OFPBFC_${name}`]),
    ),
    ...Object.fromEntries(['TOO_MANY', 'DUP_TYPE', 'BAD_EXPERIMENTER', 'BAD_EXP_TYPE', 'BAD_EXP_VALUE', 'EPERM'].map((name, i) => [4443 + i, `OFPBPC_${name}`])),
  },
};

/**
 * The name of an error, e.g. `OFPBMC_BAD_PREREQ`, `NXBRC_NXM_INVALID`, `OFPBFC_BAD_ID`.
 * Unknown pairs still get a readable name: `OFPET_BAD_MATCH(99)`, `OFPET_EXPERIMENTER(0x2320,99)`, `OFPET(77,1)`.
 */
export function errorName(errorType: number, code: number, experimenter?: number): string {
  if (errorType === ErrorType.EXPERIMENTER) {
    const exp = experimenter ?? 0;
    return EXPERIMENTER_CODES[exp]?.[code] ?? `OFPET_EXPERIMENTER(0x${exp.toString(16)},${code})`;
  }
  const t = CODES[errorType];
  if (!t) return `OFPET(${errorType},${code})`;
  const c = t.codes[code];
  return c ? t.prefix + c : `${t.type}(${code})`;
}

/** The type, code (and experimenter) of a named error, for sending one. */
export function errorCode(name: string): { errorType: number; code: number; experimenter?: number } | undefined {
  for (const [type, t] of Object.entries(CODES)) {
    if (name.startsWith(t.prefix)) {
      const code = t.codes.indexOf(name.slice(t.prefix.length));
      if (code >= 0) return { errorType: Number(type), code };
    }
  }
  for (const [exp, codes] of Object.entries(EXPERIMENTER_CODES)) {
    for (const [code, n] of Object.entries(codes)) {
      if (n === name) return { errorType: ErrorType.EXPERIMENTER, code: Number(code), experimenter: Number(exp) };
    }
  }
  return undefined;
}
