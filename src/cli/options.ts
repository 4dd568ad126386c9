/** Options several commands share, built once so their flags, checks and help read the same everywhere. */
import { Option, type Command } from 'commander';
import {
  DEFAULT_PICKUP_GRACE_SECONDS,
  MAX_RECOVERY_WINDOW_DAYS,
  MIN_RECOVERY_WINDOW_DAYS,
  PHASES,
  parseAwaitUse,
  parseConfirmWithin,
  parsePickupGrace,
  parseRecoveryWindow,
  type ConsumerSpec,
  type Phase,
} from '../rotation/model';
import { InvalidArgumentError } from 'commander';
import { argument } from './arguments';

/** `3d`, `1` → whole days, 1 to 29 (a reminder comes within the shortest window of 30 days at most). */
function parseRemindBefore(arg: string): number {
  const match = /^(\d+)\s*d?$/.exec(arg.trim());
  const days = match ? Number(match[1]) : Number.NaN;
  if (!Number.isInteger(days) || days < 1 || days > 29) throw new Error(`--remind-before '${arg}' must be whole days from 1d to 29d`);
  return days;
}

/** The options every `rotate <source>` ends with; `wait` is false with --no-wait. */
export interface FollowOptions {
  wait: Phase | boolean;
  json?: boolean;
  notify?: string[];
  remindBefore?: number;
  /** seconds: --await-use */
  awaitUse?: number;
  /** seconds: --confirm-within */
  confirmWithin?: number;
}

/** `--notify NAME`, repeatable: a target defined on the workers (ROTATOR_NOTIFY_TARGETS). */
export const collectTargets = (value: string, previous: string[] = []): string[] => {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value)) throw new InvalidArgumentError('a notification target is named with 1–64 letters, digits and ._-');
  return [...previous, value];
};

/** The window and grace options of `rotate <source>`; unset means the source's default. */
export interface WindowOptions {
  recoveryWindow?: number;
  pickupGrace?: number;
}

/** `--json`, described as what this command prints. */
export const jsonOption = (description: string) => new Option('--json', description);

/** `--consumer <spec>`, repeatable; `syntax` is the source's help text for the consumers it accepts. */
export function consumerOption(syntax: string, collect: (value: string, previous?: ConsumerSpec[]) => ConsumerSpec[]): Option {
  return new Option('--consumer <spec>', syntax).argParser(collect);
}

/** `--recovery-window`: `meaning` says what the window keeps, `defaultNote` follows the source's default. */
export function recoveryWindowOption(meaning: string, defaultDays: number, defaultNote = ''): Option {
  const description = `${meaning}, ${MIN_RECOVERY_WINDOW_DAYS}d..${MAX_RECOVERY_WINDOW_DAYS}d (default ${defaultDays}d${defaultNote})`;
  return new Option('--recovery-window <days>', description).argParser(argument(parseRecoveryWindow));
}

/** `--pickup-grace`: `untilWhat` is what the grace comes before, which differs for a source that cannot disable. */
export function pickupGraceOption(untilWhat: string): Option {
  const description = `time consumers get to pick up ${untilWhat}, 0s..60m (default ${DEFAULT_PICKUP_GRACE_SECONDS}s)`;
  return new Option('--pickup-grace <duration>', description).argParser(argument(parsePickupGrace));
}

/** `--wait <phase>`, `--no-wait` and `--json`, the last options of every `rotate <source>`; `scope` prefixes --wait's help. */
export function addFollowOptions(command: Command, scope = ''): Command {
  const wait = new Option('--wait <phase>', `${scope}show live progress until this phase is reached (default: until preflight has passed)`).choices(
    PHASES.filter((p) => p !== 'compensating'),
  );
  return command
    .option(
      '--await-use <duration>',
      'before deactivating the old credential, wait up to this long (1m..30d, e.g. 6h) for the new one to be seen in use and the old one out of use; otherwise hold in awaiting-use for proceed or abort (off by default)',
      argument(parseAwaitUse),
    )
    .option('--confirm-within <duration>', 'with a manual:<name>@… consumer: how long they have to confirm they applied the new credential, 1h..30d (default 7d)', argument(parseConfirmWithin))
    .addOption(wait)
    .option('--notify <target>', "tell this target (defined on the workers) of a failure, the window, a reminder and the end; repeatable", collectTargets)
    .option('--remind-before <days>', 'with --notify: remind this many days before deleteAt, 1d..29d (default 3d)', argument(parseRemindBefore))
    .option('--no-wait', 'return as soon as the rotation is started')
    .addOption(jsonOption('print JSON lines instead of text'));
}
