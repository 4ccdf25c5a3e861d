import { OpenFlowEncodeError } from './errors';
import { FIELD_BY_HEADER, FIELD_BY_NAME, headerKey } from './fields';
import type { FieldName } from './match-types';
import type { Reader } from './reader';

/**
 * A bit range of a field, as Nicira actions name them (`NXM_NX_REG6[0..15]` is
 * `{ field: 'reg6', ofs: 0, nbits: 16 }`). `field` is a raw 32-bit NXM/OXM header when the
 * codec has no name for it.
 */
export interface Subfield {
  field: FieldName | number;
  ofs: number;
  nbits: number;
}

/** The whole of a field, e.g. `NXM_OF_ETH_SRC[]`. */
export function whole(field: FieldName): Subfield {
  const spec = FIELD_BY_NAME.get(field);
  if (!spec) throw new OpenFlowEncodeError('field', `unknown field ${JSON.stringify(field)}`);
  return { field, ofs: 0, nbits: spec.size * 8 };
}

/** The header Nicira actions use for the subfield's field, after checking its bit range. */
export function subfieldHeader(sf: Subfield, what: string): number {
  if (typeof sf !== 'object' || sf === null) throw new OpenFlowEncodeError(what, 'expected { field, ofs, nbits }');
  let header: number;
  if (typeof sf.field === 'number') {
    if (sf.field >>> 0 !== sf.field || sf.field & 0x100) throw new OpenFlowEncodeError(`${what}.field`, 'raw header must be a 32-bit NXM/OXM header without mask');
    header = sf.field;
  } else {
    const spec = FIELD_BY_NAME.get(sf.field);
    if (!spec) throw new OpenFlowEncodeError(`${what}.field`, `unknown field ${JSON.stringify(sf.field)}`);
    header = spec.nxmHeader;
  }
  const width = (header & 0xff) * 8;
  if (!Number.isInteger(sf.ofs) || !Number.isInteger(sf.nbits) || sf.ofs < 0 || sf.nbits < 1 || sf.ofs + sf.nbits > width) {
    throw new OpenFlowEncodeError(what, `bits ${sf.ofs}..${sf.ofs + sf.nbits - 1} are not within the field's ${width} bits`);
  }
  return header;
}

/** `ofs_nbits`: offset in the top 10 bits, n_bits - 1 in the low 6. */
export function ofsNbits(sf: Subfield, what: string): number {
  if (sf.ofs > 1023 || sf.nbits > 64) throw new OpenFlowEncodeError(what, 'ofs must be at most 1023 and nbits at most 64');
  return (sf.ofs << 6) | (sf.nbits - 1);
}

/** Names a header read from the wire; `at` is where it was, for errors. */
export function fieldOfHeader(r: Reader, header: number, at: number): FieldName | number {
  const spec = FIELD_BY_HEADER.get(headerKey(header));
  if (!spec) return header;
  if (header & 0x100 || (header & 0xff) !== spec.size) r.failAt(at, `${spec.name} header with length ${spec.size} and no mask`);
  return spec.name;
}

export function readSubfield(r: Reader, header: number, ofs: number, nbits: number, at: number): Subfield {
  const field = fieldOfHeader(r, header, at);
  if (ofs + nbits > (header & 0xff) * 8) r.failAt(at, `bits ${ofs}..${ofs + nbits - 1} within the field`);
  return { field, ofs, nbits };
}
