/**
 * `rotator rotate wallarm-token`: everything the CLI knows of Wallarm API tokens — its options, consumer syntax,
 * default window, how the options become a source spec, and the expiry-driven batch mode (`--expiring-within`).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_PICKUP_GRACE_SECONDS, defaultRecoveryWindowOf, type ConsumerSpec } from '../../rotation/model';
import { wallarmCloud, wallarmTokenId, type WallarmCloud } from './descriptor';
import { parseConsumerMap, parseExpiringWithin } from './token-selection';
import { OperatorError } from '../../operations';
import { ProviderError } from '../errors';
import { WallarmClient } from './client';
import { wallarmConfigFromEnv, type WallarmConfig } from './config';
import { rotateExpiringTokens, type ExpiringTokenOutcome } from './expiring-tokens';
import { argument, collectConsumers, parseWith } from '../../cli/arguments';
import { EXIT_FAILED } from '../../cli/exit-codes';
import { rotateAndFollow } from '../../cli/follow';
import { addFollowOptions, consumerOption, pickupGraceOption, recoveryWindowOption, type FollowOptions, type WindowOptions } from '../../cli/options';
import { print, printJson, type Output } from '../../cli/output';
import { withClient } from '../../cli/temporal';

/** Wallarm deletes a disabled token this many days after disabling it: a longer window keeps the old token enabled. */
const WALLARM_KEEPS_DISABLED_DAYS = 7;
/** Wallarm's own week: the old token can be disabled and still be restorable. */
export const WALLARM_TOKEN_DEFAULT_RECOVERY_WINDOW_DAYS = defaultRecoveryWindowOf('wallarm-api-token');

const CONSUMER_SYNTAX = 'with --token-id, repeatable: soracom:<credentialsId>[:update|versioned] (a set of type api-token-credentials)';

const HELP = `
Examples:
  rotator rotate wallarm-token --token-id 1234 --consumer soracom:wallarm-token-prod --recovery-window 14d
  rotator rotate wallarm-token --expiring-within 7d --consumer-map consumers.json

The new token keeps the old token's name, company, type (personal or shared) and permissions — never wider.
Its value goes into each consumer (SORACOM sets of type api-token-credentials; the set's description records
the token id). The rotation id is wallarm:<cloud>:<token id>.

Recovery window: Wallarm deletes a disabled token one week after disabling it. With a window of 7 days the old
token is disabled. With a longer window it is NOT disabled, so that it stays restorable: it stays enabled, with
its expiry moved to the end of the window, and is deleted then. 'rotator restore' re-enables it with a new
expiry (its old one if later, else 30 days ahead), as Wallarm requires.

--expiring-within finds the enabled tokens whose expiry falls within the period (rotate ahead of Wallarm's
3-day notice) and starts one rotation per token. The consumer map names each token's consumers by token name,
which a rotation keeps (ids change):
  {"deploy-bot": ["soracom:wallarm-deploy"], "reporting": ["soracom:report-token:versioned"]}
A due token missing from the map is reported and left alone (exit 1); one already in a rotation is skipped.

The CLI and the worker need WALLARM_API_TOKEN (and WALLARM_CLOUD or WALLARM_API_HOST); see README.`;

interface WallarmTokenOptions extends WindowOptions, FollowOptions {
  tokenId?: number;
  consumer?: ConsumerSpec[];
  expiringWithin?: number;
  consumerMap?: string;
  cloud?: WallarmCloud;
  lifetime?: number;
}

const tokenIdArgument = argument((v) => {
  const parsed = wallarmTokenId().safeParse(Number(v));
  if (!/^\d+$/.test(v.trim()) || !parsed.success) throw new Error('Wallarm token id must be a positive whole number');
  return parsed.data;
});

export const lifetimeArgument = argument((v) => {
  const m = /^(\d+)\s*d?$/.exec(v.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= 3650)) throw new Error('token lifetime must be 1–3650 whole days, e.g. 90d');
  return n;
});

/** Every check before any call: nothing is started on a half-understood command line. */
function checkMode(opts: WallarmTokenOptions): void {
  if ((opts.tokenId === undefined) === (opts.expiringWithin === undefined)) throw new OperatorError('give exactly one of --token-id <id> and --expiring-within <period>');
  if (opts.tokenId !== undefined && (opts.consumer === undefined || opts.consumerMap !== undefined)) throw new OperatorError('--token-id needs --consumer (repeatable), not --consumer-map');
  if (opts.expiringWithin !== undefined && (opts.consumerMap === undefined || opts.consumer !== undefined)) throw new OperatorError('--expiring-within needs --consumer-map <file>, not --consumer');
}

export function configFromEnv(): WallarmConfig | undefined {
  try {
    return wallarmConfigFromEnv();
  } catch (err) {
    throw new OperatorError((err as Error).message);
  }
}

const lifetimeOf = (opts: WallarmTokenOptions) => (opts.lifetime === undefined ? {} : { lifetimeDays: opts.lifetime });

/** `--token-id`: one rotation, followed like any other source's. */
async function rotateToken(opts: WallarmTokenOptions, cloud: WallarmCloud): Promise<void> {
  const recoveryWindowDays = opts.recoveryWindow ?? WALLARM_TOKEN_DEFAULT_RECOVERY_WINDOW_DAYS;
  const note = recoveryWindowDays > WALLARM_KEEPS_DISABLED_DAYS ? ` (window ${recoveryWindowDays}d > Wallarm's ${WALLARM_KEEPS_DISABLED_DAYS}: the old token stays enabled, expiring at the window's end)` : '';
  await rotateAndFollow({
    source: { kind: 'wallarm-api-token', cloud, tokenId: opts.tokenId!, ...lifetimeOf(opts) },
    consumers: opts.consumer!,
    opts,
    defaultRecoveryWindowDays: WALLARM_TOKEN_DEFAULT_RECOVERY_WINDOW_DAYS,
    note,
  });
}

export function readConsumerMap(file: string): Map<string, ConsumerSpec[]> {
  try {
    return parseConsumerMap(readFileSync(file, 'utf8'), file);
  } catch (err) {
    throw new OperatorError((err as Error).message.replace(/^ENOENT: /, `--consumer-map ${file}: `));
  }
}

function printOutcomes(outcomes: ExpiringTokenOutcome[], withinMs: number, out: Output): void {
  if (outcomes.length === 0 && !out.json) print(`no enabled Wallarm API token expires within ${withinMs / 3_600_000}h`);
  for (const o of outcomes) {
    if (out.json) printJson(o);
    else print(`${o.outcome.padEnd(16)} ${o.rotationId}  '${o.name}' expires ${o.expireAt}${o.detail ? ` — ${o.detail}` : ''}`);
  }
  if (outcomes.some((o) => o.outcome === 'not-started')) process.exitCode = EXIT_FAILED;
}

/** `--expiring-within`: lists the tokens with the CLI's own Wallarm token and starts one rotation per due token. */
async function rotateExpiring(opts: WallarmTokenOptions, config: WallarmConfig | undefined, cloud: WallarmCloud): Promise<void> {
  const consumerMap = readConsumerMap(opts.consumerMap!);
  if (config === undefined) throw new OperatorError('--expiring-within lists tokens from Wallarm: set WALLARM_API_TOKEN (and WALLARM_CLOUD or WALLARM_API_HOST)');
  if (config.cloud !== cloud) throw new OperatorError(`--cloud ${cloud} but WALLARM_CLOUD is ${config.cloud}: the CLI can list only the cloud its token belongs to`);
  const wallarm = new WallarmClient(config);
  const recoveryWindowDays = opts.recoveryWindow ?? WALLARM_TOKEN_DEFAULT_RECOVERY_WINDOW_DAYS;
  const pickupGraceSeconds = opts.pickupGrace ?? DEFAULT_PICKUP_GRACE_SECONDS;
  await withClient(async (client) => {
    let outcomes;
    try {
      outcomes = await rotateExpiringTokens(client, wallarm, { cloud, withinMs: opts.expiringWithin!, consumerMap, recoveryWindowDays, pickupGraceSeconds, ...lifetimeOf(opts), requestedBy: process.env.USER });
    } catch (err) {
      if (err instanceof ProviderError) throw new OperatorError(`listing Wallarm API tokens: ${err.message}`);
      throw err;
    }
    printOutcomes(outcomes, opts.expiringWithin!, { json: !!opts.json });
  });
}

async function rotateWallarmToken(opts: WallarmTokenOptions): Promise<void> {
  checkMode(opts);
  const config = configFromEnv();
  const cloud = opts.cloud ?? config?.cloud ?? 'eu';
  if (opts.tokenId !== undefined) await rotateToken(opts, cloud);
  else await rotateExpiring(opts, config, cloud);
}

export function addWallarmTokenCommand(rotate: Command): void {
  const command = rotate
    .command('wallarm-token')
    .description('rotate a Wallarm API token (or every token expiring soon) and register the new token with each consumer')
    .option('--token-id <id>', 'the API token to rotate', tokenIdArgument)
    .addOption(consumerOption(CONSUMER_SYNTAX, collectConsumers))
    .option('--expiring-within <period>', 'instead of --token-id: rotate every enabled token whose expiry falls within this period, e.g. 7d or 72h', argument(parseExpiringWithin))
    .option('--consumer-map <file>', 'with --expiring-within: JSON file {"<token name>": ["soracom:<set>", …], …} naming the consumers of each token')
    .option('--cloud <cloud>', 'Wallarm cloud: us1 (us1.api.wallarm.com), eu (api.wallarm.com), me1 (me1.api.wallarm.com); default WALLARM_CLOUD, else eu', parseWith(wallarmCloud()))
    .addOption(recoveryWindowOption('days the old token stays restorable', WALLARM_TOKEN_DEFAULT_RECOVERY_WINDOW_DAYS, ", Wallarm's own week; see below for longer"))
    .addOption(pickupGraceOption('the new credential before the old one is deactivated'))
    .option('--lifetime <days>', "the new token's lifetime in whole days (default: the old token's lifetime; none if it had no expiry)", lifetimeArgument);
  addFollowOptions(command, 'with --token-id: ').addHelpText('after', HELP).action(rotateWallarmToken);
}
