import { MultipartFlags, type MultipartReply, type OfpMessage } from '../codec';
import type { Outgoing, ReplyTo } from './outgoing';

interface Pending {
  request: Outgoing;
  resolve(reply: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  /** Multipart replies so far, until one comes without the MORE flag. */
  parts?: MultipartReply[];
}

/** Replies are matched by xid; this also checks the switch answered with the right kind of message. */
const REPLY_TYPE: Record<keyof ReplyTo, OfpMessage['type']> = {
  echo_request: 'echo_reply',
  features_request: 'features_reply',
  get_config_request: 'get_config_reply',
  barrier_request: 'barrier_reply',
  role_request: 'role_reply',
  get_async_request: 'get_async_reply',
  multipart_request: 'multipart_reply',
  bundle_control: 'bundle_control',
};

/** Requests waiting for their reply, by xid, each with a timeout. */
export class PendingRequests {
  private readonly byXid = new Map<number, Pending>();

  /** Resolves with the reply to `request`, which goes out with `xid`; rejects with `onTimeout()` after `timeoutMs`. */
  wait(xid: number, request: Outgoing, timeoutMs: number, onTimeout: () => Error): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.byXid.delete(xid);
        reject(onTimeout());
      }, timeoutMs);
      this.byXid.set(xid, { request, resolve, reject, timer, parts: request.type === 'multipart_request' ? [] : undefined });
    });
  }

  /**
   * Completes the request `msg` answers; a multipart request only once a part comes
   * without MORE. False if `msg` answers nothing waiting (late, or unsolicited).
   */
  reply(msg: OfpMessage): boolean {
    const p = this.byXid.get(msg.xid);
    if (!p || REPLY_TYPE[p.request.type as keyof ReplyTo] !== msg.type) return false;
    if (p.parts && msg.type === 'multipart_reply') {
      p.parts.push(msg);
      if (msg.flags & MultipartFlags.MORE) return true;
    }
    this.byXid.delete(msg.xid);
    clearTimeout(p.timer);
    p.resolve(p.parts ?? msg);
    return true;
  }

  /** Rejects the request waiting under `xid` with the error made for it; false if there is none. */
  fail(xid: number, error: (request: Outgoing) => Error): boolean {
    const p = this.byXid.get(xid);
    if (!p) return false;
    this.byXid.delete(xid);
    clearTimeout(p.timer);
    p.reject(error(p.request));
    return true;
  }

  rejectAll(err: Error): void {
    for (const p of this.byXid.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.byXid.clear();
  }
}
