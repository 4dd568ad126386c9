/**
 * `plan wallarm-tokens` and `fleet wallarm-tokens`: the options that select the Wallarm API tokens due by expiry, the
 * consumer map read into the selection (so a schedule carries it), and the plan read from here with the CLI's token.
 */
import { Option, type Command } from 'commander';
import { argument, parseWith } from '../../cli/arguments';
import { parsePickupGrace, parseRecoveryWindow } from '../../rotation/model';
import { parseAsOf, type FleetDecision, type WallarmTokensFleetSelection } from '../../rotation/fleet';
import { OperatorError } from '../../operations';
import { ProviderError } from '../errors';
import { WallarmClient } from './client';
import { configFromEnv, lifetimeArgument, readConsumerMap, WALLARM_TOKEN_DEFAULT_RECOVERY_WINDOW_DAYS } from './cli';
import { wallarmCloud, type WallarmCloud } from './descriptor';
import { planWallarmPage } from './fleet';
import { parseExpiringWithin } from './token-selection';

export interface WallarmTokensOptions {
  cloud?: WallarmCloud;
  expiringWithin?: number;
  consumerMap?: string;
  asOf?: string;
  recoveryWindow?: number;
  pickupGrace?: number;
  lifetime?: number;
}

/** A week ahead of expiry: before Wallarm's 3-day e-mail, with room for a run that fails to be retried. */
const DEFAULT_EXPIRING_WITHIN = '7d';

export function addWallarmTokensOptions(command: Command): Command {
  return command
    .option('--consumer-map <file>', 'JSON file {"<token name>": ["soracom:<set>", …], …} naming the consumers of each token (read now, and kept by a schedule)')
    .option('--expiring-within <period>', `a token is due when its expiry falls within this period, 1h..90d (default ${DEFAULT_EXPIRING_WITHIN})`, argument(parseExpiringWithin))
    .option('--cloud <cloud>', 'Wallarm cloud: us1, eu or me1 (default WALLARM_CLOUD, else eu)', parseWith(wallarmCloud()))
    .addOption(new Option('--as-of <date>', 'compare expiries with this date instead of now ("what is due next week?")').argParser(argument(parseAsOf)))
    .option('--recovery-window <days>', `window of each rotation started, 7d..30d (default ${WALLARM_TOKEN_DEFAULT_RECOVERY_WINDOW_DAYS}d, Wallarm's own week)`, argument(parseRecoveryWindow))
    .option('--pickup-grace <duration>', 'pickup grace of each rotation started, 0s..60m (default 30s)', argument(parsePickupGrace))
    .option('--lifetime <days>', "the new tokens' lifetime in whole days (default: each old token's lifetime)", lifetimeArgument);
}

export async function wallarmTokensSelection(opts: WallarmTokensOptions): Promise<WallarmTokensFleetSelection> {
  if (opts.consumerMap === undefined) throw new OperatorError('wallarm-tokens needs --consumer-map <file>: the consumers of each token, by token name');
  const consumerMap = Object.fromEntries(readConsumerMap(opts.consumerMap));
  return {
    kind: 'wallarm-tokens',
    cloud: opts.cloud ?? configFromEnv()?.cloud ?? 'eu',
    expiringWithinMs: opts.expiringWithin ?? parseExpiringWithin(DEFAULT_EXPIRING_WITHIN),
    consumerMap,
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
    ...(opts.recoveryWindow === undefined ? {} : { recoveryWindowDays: opts.recoveryWindow }),
    ...(opts.pickupGrace === undefined ? {} : { pickupGraceSeconds: opts.pickupGrace }),
    ...(opts.lifetime === undefined ? {} : { lifetimeDays: opts.lifetime }),
  };
}

/** The plan, read from this process with the CLI's own Wallarm token (the reads a fleet run makes with the worker's). */
export async function* planWallarmTokens(selection: WallarmTokensFleetSelection, rotating: ReadonlySet<string>): AsyncGenerator<FleetDecision> {
  const config = configFromEnv();
  if (config === undefined) throw new OperatorError('plan wallarm-tokens lists tokens from Wallarm: set WALLARM_API_TOKEN (and WALLARM_CLOUD or WALLARM_API_HOST)');
  if (config.cloud !== selection.cloud) throw new OperatorError(`--cloud ${selection.cloud} but WALLARM_CLOUD is ${config.cloud}: the CLI can list only the cloud its token belongs to`);
  const wallarm = new WallarmClient(config);
  const at = Date.parse(selection.asOf ?? new Date().toISOString());
  let cursor: string | undefined;
  do {
    let page;
    try {
      page = await planWallarmPage(wallarm, selection, cursor, at, rotating);
    } catch (err) {
      if (err instanceof ProviderError) throw new OperatorError(`listing Wallarm API tokens: ${err.message}`);
      throw err;
    }
    yield* page.decisions;
    cursor = page.next;
  } while (cursor);
}
