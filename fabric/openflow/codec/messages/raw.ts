/**
 * A message of a type this codec has no model for (PORT_MOD, TABLE_MOD, METER_MOD,
 * QUEUE_GET_CONFIG, or a type newer than OpenFlow 1.3): the body after the header.
 */
export interface RawMessage {
  type: 'raw';
  xid: number;
  msgType: number;
  body: Buffer;
}
