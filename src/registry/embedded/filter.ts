import { ConsulHttpError } from './consul-http-error';

/**
 * Consul's `?filter=` expressions (go-bexpr), evaluated against the JSON objects a
 * endpoint answers with:
 *   ServiceMeta.tenant == "a" and "v2" in ServiceTags
 *   not (Service.Port == 80) or Node.Meta["rack"] matches "^r1"
 * Operators: == != in, not in, contains, not contains, is empty, is not empty, matches,
 * not matches; `and`, `or`, `not`, parentheses. Selectors descend through objects
 * (`.Name` or `["key"]`) and through arrays (`Checks.Status` is every check's status).
 */

export type Predicate = (item: unknown) => boolean;

type Token = { kind: 'word' | 'string' | 'number' | 'op' | 'paren' | 'bracket' | 'dot'; text: string; at: number };

export function compileFilter(expression: string): Predicate {
  try {
    const parser = new Parser(tokenize(expression));
    const predicate = parser.expression();
    parser.end();
    return predicate;
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw new ConsulHttpError(400, `Failed to create boolean expression evaluator: ${err.message} (in filter ${JSON.stringify(expression)})`);
    throw err;
  }
}

class FilterSyntaxError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(-?\d+(?:\.\d+)?(?![\w.]))|(==|!=)|([()])|([[\]])|(\.)|([A-Za-z_][\w-]*))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) {
      const pos = text.length - text.slice(at).trimStart().length;
      throw new FilterSyntaxError(`unexpected character at position ${pos + 1}: ${JSON.stringify(text.slice(pos, pos + 10))}`);
    }
    const start = m.index + m[0].length - m[0].trimStart().length;
    if (m[1]) tokens.push({ kind: 'string', text: JSON.parse(m[1]) as string, at: start });
    else if (m[2]) tokens.push({ kind: 'string', text: m[2].slice(1, -1), at: start });
    else if (m[3]) tokens.push({ kind: 'number', text: m[3], at: start });
    else if (m[4]) tokens.push({ kind: 'op', text: m[4], at: start });
    else if (m[5]) tokens.push({ kind: 'paren', text: m[5], at: start });
    else if (m[6]) tokens.push({ kind: 'bracket', text: m[6], at: start });
    else if (m[7]) tokens.push({ kind: 'dot', text: m[7], at: start });
    else tokens.push({ kind: 'word', text: m[8], at: start });
    at = re.lastIndex;
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  expression(): Predicate {
    let left = this.and();
    while (this.acceptWord('or')) {
      const l = left;
      const r = this.and();
      left = (x) => l(x) || r(x);
    }
    return left;
  }

  end(): void {
    const t = this.tokens[this.i];
    if (t) throw new FilterSyntaxError(`unexpected ${JSON.stringify(t.text)} at position ${t.at + 1}`);
  }

  private and(): Predicate {
    let left = this.not();
    while (this.acceptWord('and')) {
      const l = left;
      const r = this.not();
      left = (x) => l(x) && r(x);
    }
    return left;
  }

  private not(): Predicate {
    if (this.peekWord('not') && !this.peekWord('in', 1) && !this.peekWord('contains', 1) && !this.peekWord('matches', 1)) {
      this.i++;
      const inner = this.not();
      return (x) => !inner(x);
    }
    if (this.peek()?.kind === 'paren' && this.peek()!.text === '(') {
      this.i++;
      const inner = this.expression();
      this.expect('paren', ')');
      return inner;
    }
    return this.match();
  }

  private match(): Predicate {
    const first = this.peek();
    // `"value" in Selector` / `"value" not in Selector`
    if (first && (first.kind === 'string' || first.kind === 'number')) {
      this.i++;
      const negate = this.acceptWord('not');
      if (!this.acceptWord('in')) throw new FilterSyntaxError(`expected "in" after ${JSON.stringify(first.text)} at position ${first.at + 1}`);
      const selector = this.selector();
      return (x) => contains(resolve(x, selector), first.text) !== negate;
    }
    const selector = this.selector();
    const t = this.peek();
    if (t?.kind === 'op') {
      this.i++;
      const value = this.value();
      const equal = (x: unknown) => values(resolve(x, selector)).some((v) => v !== undefined && String(v) === value);
      return t.text === '==' ? equal : (x) => !equal(x);
    }
    if (this.acceptWord('is')) {
      const negate = this.acceptWord('not');
      if (!this.acceptWord('empty')) throw new FilterSyntaxError(`expected "empty" after "is" at position ${(this.peek()?.at ?? 0) + 1}`);
      return (x) => isEmpty(resolve(x, selector)) !== negate;
    }
    const negate = this.acceptWord('not');
    if (this.acceptWord('contains')) {
      const value = this.value();
      return (x) => contains(resolve(x, selector), value) !== negate;
    }
    if (this.acceptWord('matches')) {
      const pattern = this.value();
      let re: RegExp;
      try {
        re = new RegExp(pattern);
      } catch (err) {
        throw new FilterSyntaxError(`invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`);
      }
      return (x) => values(resolve(x, selector)).some((v) => typeof v === 'string' && re.test(v)) !== negate;
    }
    const at = this.peek();
    throw new FilterSyntaxError(`expected an operator (==, !=, contains, matches, is empty) after ${selector.join('.')}${at ? ` at position ${at.at + 1}` : ' at the end'}`);
  }

  private selector(): string[] {
    const first = this.peek();
    if (first?.kind !== 'word') throw new FilterSyntaxError(`expected a selector such as ServiceName${first ? ` at position ${first.at + 1}, got ${JSON.stringify(first.text)}` : ' at the end'}`);
    this.i++;
    const path = [first.text];
    for (;;) {
      const t = this.peek();
      if (t?.kind === 'dot') {
        this.i++;
        const name = this.peek();
        if (name?.kind !== 'word') throw new FilterSyntaxError(`expected a field name after "." at position ${t.at + 1}`);
        this.i++;
        path.push(name.text);
      } else if (t?.kind === 'bracket' && t.text === '[') {
        this.i++;
        const k = this.peek();
        if (k?.kind !== 'string') throw new FilterSyntaxError(`expected a quoted key after "[" at position ${t.at + 1}`);
        this.i++;
        this.expect('bracket', ']');
        path.push(k.text);
      } else return path;
    }
  }

  private value(): string {
    const t = this.peek();
    if (!t || (t.kind !== 'string' && t.kind !== 'number' && t.kind !== 'word')) throw new FilterSyntaxError(`expected a value${t ? ` at position ${t.at + 1}` : ' at the end'}`);
    this.i++;
    return t.text;
  }

  private expect(kind: Token['kind'], text: string): void {
    const t = this.peek();
    if (t?.kind !== kind || t.text !== text) throw new FilterSyntaxError(`expected "${text}"${t ? ` at position ${t.at + 1}` : ' at the end'}`);
    this.i++;
  }

  private peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  private peekWord(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' && t.text === word;
  }

  private acceptWord(word: string): boolean {
    if (!this.peekWord(word)) return false;
    this.i++;
    return true;
  }
}

/** Follows a selector; through an array it collects each element's value. */
function resolve(item: unknown, path: readonly string[]): unknown {
  let current: unknown = item;
  for (const [i, key] of path.entries()) {
    if (Array.isArray(current)) return current.flatMap((el) => values(resolve(el, path.slice(i))));
    if (!current || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function values(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

function contains(collection: unknown, value: string): boolean {
  if (Array.isArray(collection)) return collection.some((v) => String(v) === value);
  if (typeof collection === 'string') return collection.includes(value);
  if (collection && typeof collection === 'object') return Object.hasOwn(collection, value);
  return false;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}
