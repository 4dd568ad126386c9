/**
 * An emulator in a process of its own (the emulators' main.ts files, the benches' sandboxes): it parses its flags,
 * starts, prints one JSON line saying where it listens (whoever spawned it waits for that line), and serves until
 * SIGTERM or SIGINT.
 */
import { parseArgs } from 'node:util';

/** The flags an emulator takes beyond `--port` and `--host`, as `parseArgs` declares them. */
type Flags = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;
/** What `parseArgs` makes of those flags. */
type FlagValues<F extends Flags> = ReturnType<typeof parseArgs<{ options: F }>>['values'];

/** Where to listen: `--port` (0, the default, picks a free one) and `--host` (default 127.0.0.1), taken by every emulator. */
export interface Listen {
  readonly port: number;
  readonly host: string;
}

const listenFlags = {
  port: { type: 'string', default: '0' },
  host: { type: 'string', default: '127.0.0.1' },
} as const;

export interface Serving {
  /** Printed as the one JSON line on stdout once the emulator listens, e.g. `{"endpoint": …}` */
  readonly announce: Readonly<Record<string, unknown>>;
  stop(): Promise<void>;
}

/**
 * Parses `flags` (and `--port`, `--host`), runs `start` with them, announces what it started, and stops it on SIGTERM
 * or SIGINT (exit 0, or 1 if stopping failed). A bad flag or a failed start: `<name>: <message>` on stderr, exit 2.
 */
export function serveFromCommandLine<F extends Flags>(name: string, flags: F, start: (values: FlagValues<F>, listen: Listen) => Promise<Serving>): void {
  const run = async (): Promise<Serving> => {
    const { values } = parseArgs({ options: { ...flags, ...listenFlags } });
    const listen = values as unknown as { port: string; host: string };
    const port = Number(listen.port);
    if (!Number.isInteger(port) || port < 0) throw new Error(`--port must be a port number, got ${listen.port}`);
    return await start(values as FlagValues<F>, { port, host: listen.host });
  };
  run().then(
    (serving) => {
      process.stdout.write(`${JSON.stringify(serving.announce)}\n`);
      const stop = () => {
        serving.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}

/** The values of flags that have no default and must be given; throws naming them all, e.g. `--a and --b are required`. */
export function required<K extends string>(values: { readonly [name in K]?: string | boolean | (string | boolean)[] }, ...names: K[]): Record<K, string> {
  const given = names.filter((name) => typeof values[name] === 'string');
  if (given.length < names.length) {
    const flags = names.map((name) => `--${name}`);
    throw new Error(`${flags.length > 1 ? `${flags.slice(0, -1).join(', ')} and ${flags.at(-1)}` : flags[0]} are required`);
  }
  return Object.fromEntries(names.map((name) => [name, values[name]])) as Record<K, string>;
}
