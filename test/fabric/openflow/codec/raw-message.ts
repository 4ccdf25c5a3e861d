/**
 * An OpenFlow 1.3 message built by hand, byte by byte, not by the codec under test: header
 * (version, type, length, xid) and `body` as given.
 */
export function rawMessage(type: number, xid: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(8 + body.length);
  b[0] = 0x04;
  b[1] = type;
  b.writeUInt16BE(b.length, 2);
  b.writeUInt32BE(xid, 4);
  body.copy(b, 8);
  return b;
}
