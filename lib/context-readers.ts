/**
 * Typed readers of single CDK context values. Each trims, converts and checks one key, and
 * throws InvalidPropsError naming that key and the value it got; unset (or empty) reads as
 * undefined.
 */
import { InvalidPropsError } from './errors.ts';

export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export const ACCOUNT = /^\d{12}$/;
export const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d$/;
export const SECRET_ARN_FORM =
  'a Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX)';

export const arn = (service: string) => new RegExp(`^arn:aws[a-z-]*:${service}:[a-z0-9-]+:\\d{12}:.+$`);

export interface ContextReaders {
  text(key: string): string | undefined;
  list(key: string): string[] | undefined;
  int(key: string, min: number, max: number): number | undefined;
  matching(key: string, pattern: RegExp, form: string): string | undefined;
  eachMatching(key: string, pattern: RegExp, form: string): string[] | undefined;
  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined;
}

export function contextReaders(node: ContextSource): ContextReaders {
  const text = (key: string): string | undefined => {
    const value = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'string') return value.trim();
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new InvalidPropsError(`context ${key}: expected a string, got ${JSON.stringify(value)}`);
  };
  const list = (key: string): string[] | undefined => {
    const value = node.tryGetContext(key);
    if (Array.isArray(value)) return value.map(String);
    const t = text(key);
    return t === undefined
      ? undefined
      : t
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  };
  return {
    text,
    list,
    int: (key, min, max) => {
      const t = text(key);
      if (t === undefined) return undefined;
      const n = /^\d+$/.test(t) ? Number(t) : NaN;
      if (!(n >= min && n <= max))
        throw new InvalidPropsError(
          `context ${key}: expected a whole number from ${min} to ${max}, got ${t}`,
        );
      return n;
    },
    matching: (key, pattern, form) => {
      const t = text(key);
      if (t !== undefined && !pattern.test(t))
        throw new InvalidPropsError(`context ${key}: expected ${form}, got ${t}`);
      return t;
    },
    eachMatching: (key, pattern, form) => {
      const values = list(key);
      const bad = values?.find((v) => !pattern.test(v));
      if (bad !== undefined) throw new InvalidPropsError(`context ${key}: expected ${form}, got ${bad}`);
      return values;
    },
    oneOf: <T extends string>(key: string, allowed: readonly T[]): T | undefined => {
      const t = text(key);
      if (t !== undefined && !allowed.includes(t as T))
        throw new InvalidPropsError(`context ${key}: expected one of ${allowed.join(', ')}, got ${t}`);
      return t as T | undefined;
    },
  };
}

/**
 * EventBridge's schedule expressions: `rate(1 minute)`, `rate(5 minutes)` (singular exactly for
 * 1, a value of at least 1) or `cron(` six fields `)`; anything else fails only at deploy.
 */
export function scheduleProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)(s?)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return 'a rate needs a value of at least 1';
    if ((n === 1) !== (rate[3] === '')) return `expected rate(1 ${rate[2]}) or rate(N ${rate[2]}s)`;
    return undefined;
  }
  if (/^cron\(\S+( \S+){5}\)$/.test(expression)) return undefined;
  return 'expected rate(N minutes|hours|days) or cron(six fields)';
}
