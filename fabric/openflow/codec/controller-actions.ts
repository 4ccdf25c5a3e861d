import { nxHead, NxActionSubtype } from './nicira';
import type { Reader } from './reader';
import type { Writer } from './writer';

/**
 * Packet-in from a flow with more than output:CONTROLLER can say: a reason and controller
 * id (NXAST_CONTROLLER), or properties for userdata, pausing and metering
 * (NXAST_CONTROLLER2).
 */

export interface NxController {
  type: 'controller';
  maxLen: number;
  controllerId: number;
  reason: number;
}

/** Absent properties take OVS's defaults. */
export interface Controller2 {
  type: 'controller2';
  maxLen?: number;
  controllerId?: number;
  reason?: number;
  userdata?: Buffer;
  pause?: boolean;
  meterId?: number;
}

export function writeController(w: Writer, a: NxController, what: string): void {
  nxHead(w, NxActionSubtype.CONTROLLER);
  w.u16(a.maxLen, `${what}.maxLen`);
  w.u16(a.controllerId, `${what}.controllerId`);
  w.u8(a.reason, `${what}.reason`);
  w.zeros(1);
}

/** Reads NXAST_CONTROLLER after its subtype. */
export function readController(r: Reader): NxController {
  const maxLen = r.u16('controller max_len');
  const controllerId = r.u16('controller id');
  const reason = r.u8('controller reason');
  r.skip(1, 'controller padding');
  return { type: 'controller', maxLen, controllerId, reason };
}

const Prop = { MAX_LEN: 0, CONTROLLER_ID: 1, REASON: 2, USERDATA: 3, PAUSE: 4, METER_ID: 5 } as const;

/** Properties go out in OVS's order, each padded to 8 bytes. */
export function writeController2(w: Writer, a: Controller2, what: string): void {
  nxHead(w, NxActionSubtype.CONTROLLER2);
  w.zeros(6);
  const prop = (type: number, body: () => void) => {
    const start = w.pos;
    w.u16(type, what);
    w.u16(0, what);
    body();
    w.patch16(start + 2, w.pos - start, what);
    w.pad8(start);
  };
  const { maxLen, controllerId, reason, userdata, meterId } = a;
  if (maxLen !== undefined) prop(Prop.MAX_LEN, () => w.u16(maxLen, `${what}.maxLen`));
  if (controllerId !== undefined) prop(Prop.CONTROLLER_ID, () => w.u16(controllerId, `${what}.controllerId`));
  if (reason !== undefined) prop(Prop.REASON, () => w.u8(reason, `${what}.reason`));
  if (userdata !== undefined) prop(Prop.USERDATA, () => w.bytes(userdata, `${what}.userdata`));
  if (a.pause) prop(Prop.PAUSE, () => undefined);
  if (meterId !== undefined) prop(Prop.METER_ID, () => w.u32(meterId, `${what}.meterId`));
}

/** Reads NXAST_CONTROLLER2 after its subtype. */
export function readController2(r: Reader): Controller2 {
  r.skip(6, 'controller2 padding');
  const a: Controller2 = { type: 'controller2' };
  while (r.pos < r.end) {
    const at = r.pos;
    const type = r.u16('controller2 property type');
    const len = r.u16('controller2 property length');
    if (len < 4) r.failAt(at + 2, 'property length of at least 4', `${len}`);
    const outer = r.enter(len - 4, 'controller2 property');
    const exact = (n: number) => {
      if (len - 4 !== n) r.failAt(at, `controller2 property ${type} of ${n + 4} bytes`, `${len}`);
    };
    switch (type) {
      case Prop.MAX_LEN:
        exact(2);
        a.maxLen = r.u16('max_len');
        break;
      case Prop.CONTROLLER_ID:
        exact(2);
        a.controllerId = r.u16('controller id');
        break;
      case Prop.REASON:
        exact(1);
        a.reason = r.u8('reason');
        break;
      case Prop.USERDATA:
        a.userdata = r.rest();
        break;
      case Prop.PAUSE:
        exact(0);
        a.pause = true;
        break;
      case Prop.METER_ID:
        exact(4);
        a.meterId = r.u32('meter id');
        break;
      default:
        r.failAt(at, 'a controller2 property type 0..5', `${type}`);
    }
    r.leave(outer, 'controller2 property');
    r.skip(((len + 7) & ~7) - len, 'controller2 property padding');
  }
  return a;
}
