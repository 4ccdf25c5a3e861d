import { z } from 'zod';

/**
 * Building blocks shared by the resource schemas. Objects are strict: an unknown field is
 * an error that lists the fields that would have been accepted.
 */
export function strictObject<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; accepted fields: ${Object.keys(shape).join(', ')}`
        : undefined,
  });
}

/** A refinement: exactly one of `keys` is set (`a path match needs exactly one of prefix, exact, regex (got prefix, exact)`). */
export function exactlyOne<T extends Record<string, unknown>>(keys: readonly (keyof T & string)[], what: string) {
  return (value: T, ctx: z.RefinementCtx) => {
    const present = keys.filter((k) => value[k] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `${what} needs exactly one of ${keys.join(', ')}${present.length ? ` (got ${present.join(', ')})` : ''}` });
    }
  };
}

const NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
export const Name = z
  .string({ error: 'expected a name (string)' })
  .regex(NAME_PATTERN, 'expected a DNS-style name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters');

export const Labels = z.record(
  z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9_./]{0,61}[A-Za-z0-9])?$/, 'label keys are alphanumeric with - _ . /, at most 63 characters'),
  z.string({ error: 'label values are strings (quote numbers in YAML)' }).max(63, 'label values are at most 63 characters'),
);

export const Port = z.number({ error: 'expected a port number' }).int('expected a whole port number').min(1, 'ports are 1-65535').max(65535, 'ports are 1-65535');

const DURATION_PATTERN = /^(\d+(\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration as users write it: `250ms`, `1.5s`, `2m`, `1h`. */
export const Duration = z.string({ error: 'expected a duration such as 250ms, 1.5s or 2m' }).regex(DURATION_PATTERN, 'expected a duration such as 250ms, 1.5s or 2m');

export function durationMs(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Math.round(Number(m[1]) * UNIT_MS[m[3] as keyof typeof UNIT_MS]);
}

export const HeaderName = z.string().regex(/^[a-z0-9!#$%&'*+.^_`|~-]+$/, 'expected a lowercase HTTP header name such as x-user');

export const Percent = z.number({ error: 'expected a percentage' }).min(0, 'percentages are 0-100').max(100, 'percentages are 0-100');

/** Regular expressions are evaluated by RE2 in Envoy and gRPC; lookaround and backreferences are refused early. */
export const Re2Regex = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    if (/\(\?[=!<]|\\[1-9]/.test(text)) {
      ctx.addIssue({ code: 'custom', message: 'RE2 does not support lookaround or backreferences' });
      return;
    }
    try {
      new RegExp(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
    }
  });
