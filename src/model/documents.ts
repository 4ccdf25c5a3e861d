import { LineCounter, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { InvalidInputError, type InputProblem } from '../errors';
import { KIND_NAMES, KINDS, isKind, type Resource } from './kinds';

/**
 * Parses a resource file (YAML, several documents, `kind:` in each; JSON is YAML too)
 * into validated resources. Every problem of every document is collected with its file,
 * document index, field path and line, and the whole input is refused if any exists.
 */

export interface ResourceLocation {
  source: string;
  document: number;
  line: number;
}

export interface LocatedResource {
  resource: Resource;
  location: ResourceLocation;
}

export function parseResourceDocuments(text: string, source: string): LocatedResource[] {
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true });
  const problems: InputProblem[] = [];
  const parsed: LocatedResource[] = [];
  const docs = Array.isArray(documents) ? documents : [documents];

  docs.forEach((doc, i) => {
    const document = i + 1;
    const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lines.linePos(offset).line);
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        problems.push({ source, document, line: e.linePos?.[0]?.line, message: `invalid YAML: ${e.message.split('\n')[0]}` });
      }
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return; // an empty document, e.g. a trailing `---`
    const line = lineAt(doc.contents?.range?.[0]) ?? 1;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ source, document, line, message: `expected a mapping with a kind: field (one of ${KIND_NAMES.join(', ')})` });
      return;
    }
    const raw = value as Record<string, unknown>;
    const label = typeof raw.name === 'string' ? `${String(raw.kind)} ${raw.name}` : undefined;
    if (!isKind(raw.kind)) {
      const message = raw.kind === undefined ? 'missing kind' : `unknown kind ${JSON.stringify(raw.kind)}`;
      problems.push({ source, document, line, path: 'kind', message: `${message}; expected one of ${KIND_NAMES.join(', ')}` });
      return;
    }
    const result = (KINDS[raw.kind].schema as z.ZodType).safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues) {
        // An unknown field is reported at the field itself, not at the object holding it.
        const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
        const node = doc.getIn(path as (string | number)[], true) as { range?: [number, number, number] } | undefined;
        problems.push({ source, document, resource: label, line: lineAt(node?.range?.[0]) ?? line, path: formatPath(path), message: issue.message });
      }
      return;
    }
    parsed.push({ resource: result.data as Resource, location: { source, document, line } });
  });

  const seen = new Map<string, ResourceLocation>();
  for (const { resource, location } of parsed) {
    const key = `${resource.kind} ${resource.name}`;
    const first = seen.get(key);
    if (first) problems.push({ ...location, resource: key, path: 'name', message: `duplicate name: document ${first.document} is also ${key}` });
    else seen.set(key, location);
  }

  if (problems.length > 0) throw new InvalidInputError(problems);
  return parsed;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}
