/**
 * The worker's structured log: pino JSON lines on stderr, with every field that can hold a secret redacted, and
 * secret-shaped text removed from messages. Temporal's runtime (SDK, workflow and activity loggers) writes through it.
 */
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { PROVIDERS, SOURCES } from './rotation/registry';
import type { CredentialForm } from './rotation/descriptors';

/**
 * Field names that hold secrets: HTTP's own, and every provider's and every source credential's, as the registry
 * declares them.
 */
export const SECRET_FIELDS = [
  ...new Set([
    'secret',
    'password',
    'authorization',
    'Authorization',
    ...Object.values(PROVIDERS).flatMap((p) => p.secretFields),
    ...Object.values(SOURCES).flatMap((s) => s.credential.secretFields),
  ]),
];

const levels: Record<LogLevel, pino.Level> = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

/** ROTATOR_LOG_LEVEL: trace, debug, info (default), warn or error. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): pino.Level {
  const raw = (env.ROTATOR_LOG_LEVEL ?? 'info').toLowerCase();
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(raw)) throw new Error(`ROTATOR_LOG_LEVEL='${env.ROTATOR_LOG_LEVEL}' must be trace, debug, info, warn or error`);
  return raw as pino.Level;
}

export function createLogger(options: { level?: pino.Level; destination?: DestinationStream } = {}): PinoLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'credential-rotator', pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // secret fields wherever they are nested (pino's path redaction reaches a fixed depth only)
      formatters: { log: (fields) => withoutSecretFields(fields) as Record<string, unknown> },
      hooks: {
        // free text cannot be redacted by name: remove what has the shape of a secret
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrubSecretShapes(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

const SECRET_FIELD_NAMES: ReadonlySet<string> = new Set(SECRET_FIELDS);

/**
 * A copy of `value` with every secret field's value censored, at any depth, in objects, arrays and errors alike (an
 * HTTP client's error holds its request's headers). An error stays an error of its class, its message and stack
 * without secret shapes, so pino prints it as it would have.
 */
function withoutSecretFields(value: unknown, within: Set<object> = new Set()): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (within.has(value)) return '[circular]';
  within.add(value);
  const fields = (from: object) => Object.entries(from).map(([k, v]) => [k, SECRET_FIELD_NAMES.has(k) ? '[redacted]' : withoutSecretFields(v, within)]);
  let copy: unknown;
  if (Array.isArray(value)) copy = value.map((v) => withoutSecretFields(v, within));
  else if (value instanceof Error) {
    copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object) as Error, Object.fromEntries(fields(value)));
    Object.defineProperty(copy, 'message', { value: scrubSecretShapes(value.message), enumerable: false, writable: true, configurable: true });
    Object.defineProperty(copy, 'stack', { value: scrubSecretShapes(value.stack ?? ''), enumerable: false, writable: true, configurable: true });
  } else copy = Object.fromEntries(fields(value));
  within.delete(value);
  return copy;
}

/** Shapes no public identifier has: each source's secret as its descriptor draws it, then JWTs. */
const shapeOf = (form: CredentialForm): RegExp[] => (form.secretShape ? [form.secretShape] : []);
const SECRET_SHAPES: readonly RegExp[] = [
  ...Object.values(SOURCES).flatMap((s) => shapeOf(s.credential)),
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g,
];

/** Removes secret-shaped text, and bearer-style tokens after `token=`/`Bearer `. */
export function scrubSecretShapes(text: string): string {
  return SECRET_SHAPES.reduce((t, shape) => t.replace(shape, '[redacted]'), text).replace(/\b(Bearer|token[=:])\s*[A-Za-z0-9._~+/-]{8,}=*/gi, '$1 [redacted]');
}

/** Temporal's Logger interface over pino, so SDK, workflow and activity logs share the redaction. */
export function temporalLogger(logger: PinoLogger): Logger {
  const write = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(meta ?? {})) fields[k] = v instanceof Error ? { type: v.name, message: scrubSecretShapes(v.message) } : v;
    logger[levels[level]](fields, message);
  };
  return {
    log: write,
    trace: (m, meta) => write('TRACE', m, meta),
    debug: (m, meta) => write('DEBUG', m, meta),
    info: (m, meta) => write('INFO', m, meta),
    warn: (m, meta) => write('WARN', m, meta),
    error: (m, meta) => write('ERROR', m, meta),
  };
}
