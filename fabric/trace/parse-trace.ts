/**
 * `ovs-appctl ofproto/trace` output as data: no I/O, no meaning yet (explain-trace.ts
 * names tables and rules). The text has one section per pass through the bridge: the
 * packet as it arrived, then one per recirculation OVS simulates (after `ct(…,table=N)`,
 * resumed with the ct_state `--ct-next` gave, by default `trk|new`, and with the
 * addresses NAT would have changed). Each section lists the flows the packet matched,
 * table by table, with their actions, and ends with the final flow and the datapath
 * actions. Format as OVS 3.1 prints it:
 *
 *   Flow: tcp,in_port=2,…
 *
 *   bridge("br-int")
 *   ----------------
 *    0. in_port=2, priority 200, cookie 0x1cbc039eb0a7b
 *       load:0x1->NXM_NX_REG0[0..15]
 *       goto_table:1
 *   …
 *    3. ip, priority 100, cookie 0x16bfd846aa16f
 *       ct(table=4,zone=NXM_NX_REG0[0..15],nat)
 *        -> A clone of the packet is forked to recirculate. …
 *
 *   Final flow: tcp,reg0=0x10001,…        (or "unchanged")
 *   Megaflow: …
 *   Datapath actions: ct(zone=1,nat),recirc(0x1)
 *
 *   ===============================================================================
 *   recirc(0x1) - resume conntrack with default ct_state=trk|new (use --ct-next to customize)
 *   Replacing src/dst IP/ports to simulate NAT:
 *    Initial flow: nw_src=…,nw_dst=10.96.0.1,…     (empty when nothing changes)
 *    Modified flow: nw_src=…,nw_dst=10.91.0.5,…
 *   ===============================================================================
 *
 *   Flow: recirc_id=0x1,ct_state=new|trk,…
 *   bridge("br-int") … "thaw / Resuming from table 4" … the same again.
 */

export interface TraceStep {
  /** The bridge whose flow table this is: `br-int`, or `br-phy` after a tunnel output. */
  bridge: string;
  tableId: number;
  /** The matched flow's match as OVS prints it (`ct_state=+new+trk,ip`); empty for a match-all flow. */
  match: string;
  /** Undefined when no flow matched (`No match.`). */
  priority?: number;
  cookie?: string;
  /** The flow's actions, one per line as OVS prints them; nested ones (a group's bucket) included in order. */
  actions: string[];
  /** OVS's own remarks (`-> using bucket 1`, `-> output to native tunnel`), without the arrow. */
  notes: string[];
  /** `conj_id=N` when the match is a conjunction's. */
  conjId?: number;
}

export interface TracePass {
  /** Undefined for the first pass; `0x1` etc. for a recirculation. */
  recircId?: string;
  /** The conntrack state the recirculation resumed with, as OVS names it (`new|trk`, `est|trk`). */
  ctState?: string;
  /** What NAT changed before this pass, when it changed anything. */
  nat?: { initial: string; modified: string };
  /** The packet at the start of the pass (`Flow:`). */
  flow: string;
  steps: TraceStep[];
  /** The packet at the end of the pass (`Final flow:`; the start flow when OVS says "unchanged"). */
  finalFlow: string;
  datapathActions: string;
}

export interface ParsedTrace {
  passes: TracePass[];
}

/** The text was not ofproto/trace output (an error message, or another command's). */
export class TraceParseError extends Error {
  constructor(message: string, readonly text: string) {
    super(message);
    this.name = 'TraceParseError';
  }
}

const STEP = /^\s*(\d+)\. (?:(.*?), )?priority (\d+)(?:, cookie (0x[0-9a-f]+))?$/;
const NO_MATCH = /^\s*(\d+)\. No match\.?$/;
const BRIDGE = /^bridge\("([^"]+)"\)$/;
const RECIRC = /^recirc\((0x[0-9a-f]+)\) - resume conntrack with (?:default )?ct_state=(\S+)/;
const CONJ_ID = /(?:^|,)conj_id=(\d+)(?:,|$)/;

export function parseOfprotoTrace(text: string): ParsedTrace {
  const passes: TracePass[] = [];
  let pass: TracePass | undefined;
  let pending: Pick<TracePass, 'recircId' | 'ctState' | 'nat'> = {};
  let bridge = '';
  let step: TraceStep | undefined;

  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || /^[-=]+$/.test(trimmed)) continue;
    const recirc = RECIRC.exec(trimmed);
    if (recirc) {
      pending = { recircId: recirc[1], ctState: recirc[2] };
      continue;
    }
    if (trimmed.startsWith('Initial flow:')) {
      pending.nat = { initial: trimmed.slice('Initial flow:'.length).trim(), modified: '' };
      continue;
    }
    if (trimmed.startsWith('Modified flow:')) {
      const modified = trimmed.slice('Modified flow:'.length).trim();
      if (pending.nat && modified !== pending.nat.initial) pending.nat.modified = modified;
      else delete pending.nat;
      continue;
    }
    if (trimmed.startsWith('Replacing src/dst IP/ports')) continue;
    if (trimmed.startsWith('Flow:')) {
      pass = { ...pending, flow: trimmed.slice('Flow:'.length).trim(), steps: [], finalFlow: '', datapathActions: '' };
      if (pass.nat?.modified === '') delete pass.nat;
      passes.push(pass);
      pending = {};
      step = undefined;
      continue;
    }
    if (!pass) continue;
    const b = BRIDGE.exec(trimmed);
    if (b) {
      bridge = b[1];
      step = undefined;
      continue;
    }
    if (trimmed.startsWith('Final flow:')) {
      const final = trimmed.slice('Final flow:'.length).trim();
      pass.finalFlow = final === 'unchanged' ? pass.flow : final;
      step = undefined;
      continue;
    }
    if (trimmed.startsWith('Megaflow:')) continue;
    if (trimmed.startsWith('Datapath actions:')) {
      pass.datapathActions = trimmed.slice('Datapath actions:'.length).trim();
      continue;
    }
    const s = STEP.exec(line);
    const miss = s ? undefined : NO_MATCH.exec(line);
    if (s || miss) {
      const match = s ? (s[2] ?? '') : '';
      const conj = CONJ_ID.exec(match);
      step = {
        bridge,
        tableId: Number((s ?? miss)![1]),
        match,
        ...(s ? { priority: Number(s[3]) } : {}),
        ...(s?.[4] ? { cookie: s[4] } : {}),
        actions: [],
        notes: [],
        ...(conj ? { conjId: Number(conj[1]) } : {}),
      };
      pass.steps.push(step);
      continue;
    }
    if (!step) continue; // "thaw", "Resuming from table N": the pass's first step says where it resumed
    if (trimmed.startsWith('->')) step.notes.push(trimmed.slice(2).trim());
    else step.actions.push(trimmed);
  }
  if (passes.length === 0) throw new TraceParseError(`not ofproto/trace output (no "Flow:" line): ${firstLine(text)}`, text);
  const unfinished = passes.find((p) => p.datapathActions === '');
  if (unfinished) throw new TraceParseError(`ofproto/trace output ends early: no "Datapath actions:" after "Flow: ${unfinished.flow}"`, text);
  return { passes };
}

/** `key=value` fields of a flow as OVS prints it (`tcp,in_port=2,dl_src=…`); bare words (`tcp`, `eth`) map to ''. */
export function flowFields(flow: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of flow.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) fields.set(part, '');
    else fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return fields;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || '(empty)';
}
