/**
 * Structured logs for `serve`: one JSON object a line, the same fields the functions log through
 * Powertools. Keys that name credentials are replaced, whatever logs them.
 */
import type { Log } from './telemetry.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /secret|token|password|authorization|private.?key|credential/i;

export interface JsonLogOptions {
  readonly write: (line: string) => void;
  /** @default 'info' */
  readonly level?: LogLevel;
  readonly service?: string;
  readonly now?: () => Date;
}

export function createJsonLog(options: JsonLogOptions): Log {
  const min = RANK[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const at =
    (level: LogLevel) =>
    (message: string, ...attributes: Record<string, unknown>[]) => {
      if (RANK[level] < min) return;
      const entry: Record<string, unknown> = {
        level: level.toUpperCase(),
        message,
        timestamp: now().toISOString(),
        ...(options.service ? { service: options.service } : {}),
      };
      for (const attrs of attributes) Object.assign(entry, attrs);
      options.write(`${JSON.stringify(entry, redact)}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function redact(key: string, value: unknown): unknown {
  return key !== '' && SECRET_KEY.test(key) && typeof value === 'string' ? '[redacted]' : value;
}
