/**
 * Errors a user can cause carry where the input was wrong (`source`, a document, a field
 * path) and what would have been accepted. Every Loom error keeps its `cause`.
 */

export class LoomError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem in one input: `mesh.yaml: document 2 (Route echo): rules[0].timeout: …`. */
export interface InputProblem {
  source: string;
  /** 1-based index of the YAML document, when the input had several. */
  document?: number;
  /** `Kind name` of the document, when it was readable. */
  resource?: string;
  /** Field path inside the document, e.g. `rules[0].destinations[1].weight`. */
  path?: string;
  /** 1-based line in the source file, when known. */
  line?: number;
  message: string;
}

export function formatProblem(p: InputProblem): string {
  const where = [p.source + (p.line ? `:${p.line}` : '')];
  if (p.document !== undefined) where.push(`document ${p.document}` + (p.resource ? ` (${p.resource})` : ''));
  else if (p.resource) where.push(p.resource);
  if (p.path) where.push(p.path);
  return `${where.join(': ')}: ${p.message}`;
}

/** The input was refused as a whole; nothing was changed. */
export class InvalidInputError extends LoomError {
  constructor(readonly problems: InputProblem[]) {
    super(
      problems.length === 1
        ? `${formatProblem(problems[0])} (nothing was applied)`
        : `${problems.length} problems, nothing was applied:\n` + problems.map((p) => '  - ' + formatProblem(p)).join('\n'),
    );
  }
}

/** A named resource does not exist. */
export class NotFoundError extends LoomError {
  constructor(readonly kind: string, readonly resourceName: string) {
    super(`${kind} "${resourceName}" not found`);
  }
}

/** Codes of address (IPAM) errors on the API; the CNI plugin maps each to its own code. */
export type AddressErrorCode = 'pool-exhausted' | 'address-in-use' | 'address-mismatch' | 'pool-in-use' | 'invalid-address' | 'invalid-request' | 'unknown-network';

/** An address could not be given or taken back; `status` is the HTTP status the API answers with. */
export class AddressError extends LoomError {
  constructor(
    message: string,
    readonly code: AddressErrorCode,
    readonly status: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function describeCause(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
