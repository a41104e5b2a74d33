/**
 * Structured logs: one JSON object a line, the same fields in every function and in `serve`.
 * The functions log through Powertools Logger with `RedactingLogFormatter`; `serve`, which
 * writes to a stream of its choosing rather than the Lambda console, formats its lines with the
 * same formatter. Credentials are replaced whatever logs them: values under keys that name
 * credentials, and private keys and GitHub tokens wherever they appear in a text.
 */
import { Logger, LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import type { Log } from '../../ports/telemetry.ts';

type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const REDACTED = '[redacted]';
const SECRET_KEY = /secret|token|password|authorization|private.?key|credential/i;
/**
 * A PEM private key (up to its end line, or to the end of the text when cut), and GitHub's
 * token formats (classic, OAuth, App user-to-server, installation, refresh; fine-grained).
 */
const SECRET_TEXT =
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g;

/** A copy of `value` with every credential replaced; errors are left for `formatError`. */
function redactSecrets(value: unknown, key = '', ancestors: object[] = []): unknown {
  if (typeof value === 'string')
    return key !== '' && SECRET_KEY.test(key) ? REDACTED : value.replace(SECRET_TEXT, REDACTED);
  if (typeof value !== 'object' || value === null || value instanceof Error) return value;
  if (ancestors.includes(value)) return '[circular]';
  const json = (value as { toJSON?: (key: string) => unknown }).toJSON;
  // Dates, and the credentials objects that print themselves redacted.
  if (typeof json === 'function') return redactSecrets(json.call(value, key), key, ancestors);
  const inner = [...ancestors, value];
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, key, inner));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k, inner)] as const));
}

/** Powertools' standard keys, then the attributes, with credentials replaced. */
class RedactingLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: redactSecrets(attributes.message) as string,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_arn: context?.invokedFunctionArn,
        function_memory_size: context?.memoryLimitInMB,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        // Logged only when sampling is on, as it is off in every function here.
        sampling_rate: attributes.sampleRateValue || undefined,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(redactSecrets(additional) as LogAttributes);
  }

  override formatError(error: Error): LogAttributes {
    return redactSecrets(super.formatError(error)) as LogAttributes;
  }
}

/** The functions' logger: Powertools Logger (level from `POWERTOOLS_LOG_LEVEL`), redacting. */
export function functionLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logFormatter: new RedactingLogFormatter() });
}

export interface JsonLogOptions {
  readonly write: (line: string) => void;
  /** @default 'info' */
  readonly level?: LogLevel;
  readonly service?: string;
  readonly now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** `serve`'s log: the functions' line format, written to `write`. */
export function createJsonLog(options: JsonLogOptions): Log {
  const min = RANK[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const formatter = new RedactingLogFormatter();
  const at =
    (level: LogLevel) =>
    (message: string, ...attributes: Record<string, unknown>[]) => {
      if (RANK[level] < min) return;
      const item = formatter.formatAttributes(
        {
          logLevel: level.toUpperCase() as UnformattedAttributes['logLevel'],
          message,
          timestamp: now(),
          serviceName: options.service ?? '',
          sampleRateValue: 0,
          awsRegion: '',
        },
        Object.assign({}, ...attributes) as LogAttributes,
      );
      item.prepareForPrint();
      options.write(`${JSON.stringify(item.getAttributes(), errorsFormatted(formatter))}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

function errorsFormatted(formatter: LogFormatter): (key: string, value: unknown) => unknown {
  return (_key, value) => (value instanceof Error ? formatter.formatError(value) : value);
}
