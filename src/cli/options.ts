/** Options several commands share, built once so their flags, checks and help read the same everywhere. */
import { Option, type Command } from 'commander';
import {
  DEFAULT_PICKUP_GRACE_SECONDS,
  MAX_RECOVERY_WINDOW_DAYS,
  MIN_RECOVERY_WINDOW_DAYS,
  PHASES,
  parsePickupGrace,
  parseRecoveryWindow,
  type ConsumerSpec,
  type Phase,
} from '../rotation/model';
import { argument } from './arguments';

/** The options every `rotate <source>` ends with; `wait` is false with --no-wait. */
export interface FollowOptions {
  wait: Phase | boolean;
  json?: boolean;
}

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
    .addOption(wait)
    .option('--no-wait', 'return as soon as the rotation is started')
    .addOption(jsonOption('print JSON lines instead of text'));
}
