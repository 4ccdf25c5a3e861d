import { type Atom, type Datum, datumEquals, defaultDatum, type Row, sortAtoms } from './datum';
import { decodeDatum } from './datum-codec';
import { OvsdbError, OvsdbProtocolError } from './ovsdb-error';
import { columnShape, type DatabaseSchema, type TableSchema } from './schema';
import type { TableUpdates1, TableUpdates2, WireRow } from './table-updates';

export type RowChange =
  | { readonly kind: 'insert'; readonly table: string; readonly uuid: string; readonly row: Row }
  | { readonly kind: 'modify'; readonly table: string; readonly uuid: string; readonly row: Row; readonly old: Row }
  | { readonly kind: 'delete'; readonly table: string; readonly uuid: string; readonly old: Row };

/** A caller asked for a table the replica was not told to keep. */
export class TableNotReplicatedError extends OvsdbError {
  constructor(
    readonly table: string,
    replicated: readonly string[],
  ) {
    super(`table ${table} is not replicated; replicated: ${replicated.join(', ')}`);
  }
}

/** Table → the columns kept for it. */
export type ReplicaColumns = ReadonlyMap<string, readonly string[]>;

/**
 * The client's copy of the monitored tables, fed by monitor replies and notifications.
 * No I/O: it applies updates and says which rows changed. Every batch that changes
 * something advances `seqno`, so a caller can tell whether the replica moved since it
 * last looked (an optimistic transaction waits for that after a conflict).
 */
export class Replica {
  private tables = new Map<string, Map<string, Row>>();
  private changeSeqno = 0;

  constructor(
    readonly schema: DatabaseSchema,
    readonly columns: ReplicaColumns,
  ) {
    for (const table of columns.keys()) this.tables.set(table, new Map());
  }

  get seqno(): number {
    return this.changeSeqno;
  }

  rows(table: string): ReadonlyMap<string, Row> {
    const rows = this.tables.get(table);
    if (!rows) throw new TableNotReplicatedError(table, [...this.tables.keys()]);
    return rows;
  }

  get(table: string, uuid: string): Row | undefined {
    return this.rows(table).get(uuid);
  }

  /** The rows of `table` for which `predicate` holds. */
  find(table: string, predicate: (row: Row) => boolean): Row[] {
    return [...this.rows(table).values()].filter(predicate);
  }

  /** Applies an `update2`/`update3` notification (or the changes a resumed `monitor_cond_since` returns). */
  applyUpdates2(updates: TableUpdates2): RowChange[] {
    const changes: RowChange[] = [];
    for (const [tableName, rows] of Object.entries(updates)) {
      const { table, current } = this.target(tableName);
      for (const [uuid, update] of Object.entries(rows)) {
        const full = update.initial ?? update.insert;
        if (full) changes.push(this.put(table, current, uuid, this.decodeRow(table, uuid, full, undefined)));
        else if (update.modify) changes.push(this.put(table, current, uuid, this.applyDiff(table, this.existing(current, tableName, uuid, 'modify'), update.modify)));
        else if ('delete' in update) changes.push(this.remove(tableName, current, uuid));
        else throw new OvsdbProtocolError(`update2 for ${tableName} ${uuid}: no initial, insert, modify or delete in ${JSON.stringify(update)}`);
      }
    }
    return this.commit(changes);
  }

  /** Applies an `update` notification (monitor version 1). */
  applyUpdates1(updates: TableUpdates1): RowChange[] {
    const changes: RowChange[] = [];
    for (const [tableName, rows] of Object.entries(updates)) {
      const { table, current } = this.target(tableName);
      for (const [uuid, update] of Object.entries(rows)) {
        if (update.new) changes.push(this.put(table, current, uuid, this.decodeRow(table, uuid, update.new, current.get(uuid))));
        else if (update.old) changes.push(this.remove(tableName, current, uuid));
      }
    }
    return this.commit(changes);
  }

  /**
   * Replaces the whole replica with a monitor's initial contents (after a reconnect that
   * could not resume) and reports the difference from what was there before, so watchers
   * see a resynchronisation as ordinary inserts, modifications and deletions.
   */
  reset(initial: { format: 1; updates: TableUpdates1 } | { format: 2; updates: TableUpdates2 }): RowChange[] {
    const previous = this.tables;
    const seqno = this.changeSeqno;
    this.tables = new Map([...this.columns.keys()].map((t) => [t, new Map()]));
    try {
      if (initial.format === 1) this.applyUpdates1(initial.updates);
      else this.applyUpdates2(initial.updates);
    } catch (err) {
      this.tables = previous;
      throw err;
    } finally {
      this.changeSeqno = seqno;
    }
    const changes: RowChange[] = [];
    for (const [table, rows] of this.tables) {
      const before = previous.get(table)!;
      for (const [uuid, row] of rows) {
        const old = before.get(uuid);
        if (!old) changes.push({ kind: 'insert', table, uuid, row });
        else if (!rowsEqual(old, row)) changes.push({ kind: 'modify', table, uuid, row, old });
      }
      for (const [uuid, old] of before) if (!rows.has(uuid)) changes.push({ kind: 'delete', table, uuid, old });
    }
    return this.commit(changes);
  }

  private commit(changes: RowChange[]): RowChange[] {
    if (changes.length) this.changeSeqno++;
    return changes;
  }

  private target(tableName: string): { table: TableSchema; current: Map<string, Row> } {
    const table = this.schema.tables.get(tableName);
    const current = this.tables.get(tableName);
    if (!table || !current) throw new OvsdbProtocolError(`update for table ${tableName}, which is not monitored`);
    return { table, current };
  }

  private existing(current: Map<string, Row>, table: string, uuid: string, what: string): Row {
    const row = current.get(uuid);
    if (!row) throw new OvsdbProtocolError(`${what} of ${table} row ${uuid}, which the replica does not have`);
    return row;
  }

  private put(table: TableSchema, current: Map<string, Row>, uuid: string, row: Row): RowChange {
    const old = current.get(uuid);
    current.set(uuid, row);
    return old ? { kind: 'modify', table: table.name, uuid, row, old } : { kind: 'insert', table: table.name, uuid, row };
  }

  private remove(table: string, current: Map<string, Row>, uuid: string): RowChange {
    const old = this.existing(current, table, uuid, 'delete');
    current.delete(uuid);
    return { kind: 'delete', table, uuid, old };
  }

  /** A whole row: columns the update leaves out keep their value in `base`, or their default. */
  private decodeRow(table: TableSchema, uuid: string, wire: WireRow, base: Row | undefined): Row {
    const row: Record<string, Datum> = { _uuid: uuid };
    for (const name of this.columns.get(table.name)!) {
      const column = table.columns.get(name)!;
      row[name] = name in wire ? decodeDatum(column.type, wire[name], `${table.name}.${name}`) : (base?.[name] ?? defaultDatum(column.type));
    }
    return freezeRow(row);
  }

  /** update2 `modify`: sets carry the elements to toggle, maps the entries to add, change or (same value) remove; other columns their new value. */
  private applyDiff(table: TableSchema, old: Row, diff: WireRow): Row {
    const row: Record<string, Datum> = { ...old };
    for (const [name, json] of Object.entries(diff)) {
      const column = table.columns.get(name);
      if (!column) throw new OvsdbProtocolError(`modify of ${table.name}.${name}: no such column`);
      const path = `${table.name}.${name}`;
      const shape = columnShape(column.type);
      if (shape === 'scalar') {
        row[name] = decodeDatum(column.type, json, path);
      } else if (shape === 'set') {
        const elements = new Set(old[name] as readonly Atom[]);
        for (const atom of decodeDatum({ ...column.type, min: 0, max: Infinity }, json, path) as Atom[]) {
          if (!elements.delete(atom)) elements.add(atom);
        }
        row[name] = sortAtoms([...elements]);
      } else {
        const map = new Map(old[name] as ReadonlyMap<Atom, Atom>);
        for (const [key, value] of decodeDatum(column.type, json, path) as ReadonlyMap<Atom, Atom>) {
          if (map.get(key) === value) map.delete(key);
          else map.set(key, value);
        }
        row[name] = map;
      }
    }
    return freezeRow(row);
  }
}

function freezeRow(row: Record<string, Datum>): Row {
  for (const value of Object.values(row)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(row) as Row;
}

export function rowsEqual(a: Row, b: Row): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => k in b && datumEquals(a[k], b[k]));
}
