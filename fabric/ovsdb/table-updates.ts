/**
 * Monitor payloads as they travel (RFC 7047 §4.1.6 and OVS's `monitor_cond` extension):
 * `table → row UUID → change`. Version 1 (`update`) carries old and new column values;
 * version 2 (`update2`, `update3`) carries the initial or inserted row without columns
 * at their defaults, and modifications as differences.
 */
export type WireRow = { readonly [column: string]: unknown };

export interface RowUpdate1 {
  readonly old?: WireRow;
  readonly new?: WireRow;
}
export type TableUpdates1 = { readonly [table: string]: { readonly [uuid: string]: RowUpdate1 } };

export interface RowUpdate2 {
  readonly initial?: WireRow;
  readonly insert?: WireRow;
  readonly modify?: WireRow;
  readonly delete?: null;
}
export type TableUpdates2 = { readonly [table: string]: { readonly [uuid: string]: RowUpdate2 } };

/** What to monitor in one table; `where` (wire-encoded conditions) needs `monitor_cond` or later. */
export interface WireMonitorRequest {
  readonly columns?: readonly string[];
  readonly where?: readonly unknown[];
  readonly select?: { readonly initial?: boolean; readonly insert?: boolean; readonly delete?: boolean; readonly modify?: boolean };
}
export type WireMonitorRequests = { readonly [table: string]: WireMonitorRequest | readonly WireMonitorRequest[] };
