/**
 * `plan soracom-auth-keys` and `fleet soracom-auth-keys`: the options that select the SAM users of an operator whose
 * AuthKey is due, the consumer map read into the selection (SAM users have no tags; a schedule carries the map), and
 * the plan read from here with the CLI's SORACOM login.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { argument, parseWith } from '../../cli/arguments';
import { parseConsumerMapText } from '../../rotation/consumer-map';
import { parseAsOf, parseMaxAge, type FleetDecision, type SoracomAuthKeysFleetSelection } from '../../rotation/fleet';
import { parseAwaitUse, parsePickupGrace, parseRecoveryWindow, type ConsumerSpec } from '../../rotation/model';
import { OperatorError } from '../../operations';
import { ProviderError } from '../errors';
import { resolveOperator, SORACOM_AUTH_KEY_DEFAULT_RECOVERY_WINDOW_DAYS } from './cli';
import { SoracomClient } from './client';
import { soracomConfigFromEnv } from './config';
import { soracomOperatorId } from './descriptor';
import { planSoracomPage } from './fleet';

export interface SoracomAuthKeysOptions {
  operator?: string;
  maxAge?: number;
  consumerMap?: string;
  asOf?: string;
  recoveryWindow?: number;
  pickupGrace?: number;
  awaitUse?: number;
}

/** As for IAM keys (CIS AWS's 90 days): SORACOM publishes no rule of its own. */
const DEFAULT_MAX_AGE_DAYS = 90;

/** The consumer map of SAM users: `{"<SAM user>": ["file:/…", "csms:<secret>"], …}`; no SORACOM set holds an AuthKey. */
export function parseSamUserConsumerMap(text: string, file: string): Map<string, ConsumerSpec[]> {
  return parseConsumerMapText(text, file, {
    entry: 'SAM user',
    refuse: (consumer, arg) =>
      consumer.kind === 'soracom-credentials-set' ? `'${arg}': a SORACOM credentials set cannot hold a SORACOM AuthKey; use file:<absolute path> or csms:<secretName>` : undefined,
  });
}

function readSamUserConsumerMap(file: string): Map<string, ConsumerSpec[]> {
  try {
    return parseSamUserConsumerMap(readFileSync(file, 'utf8'), file);
  } catch (err) {
    throw new OperatorError((err as Error).message.replace(/^ENOENT: /, `--consumer-map ${file}: `));
  }
}

export function addSoracomAuthKeysOptions(command: Command): Command {
  return command
    .option('--consumer-map <file>', 'JSON file {"<SAM user>": ["file:/…", "csms:<secretName>"], …} naming where each user\'s AuthKey is kept (SAM users have no tags; read now, and kept by a schedule)')
    .option('--max-age <days>', 'rotate a SAM user whose AuthKey is this old or older, e.g. 90d (the default)', argument(parseMaxAge))
    .option('--operator <id>', 'SORACOM operator id (default: the operator your SORACOM variables or SORACOM_PROFILE log in to); the worker must log in to it too', parseWith(soracomOperatorId()))
    .addOption(new Option('--as-of <date>', 'evaluate ages at this date instead of now ("what is due next month?")').argParser(argument(parseAsOf)))
    .option('--recovery-window <days>', `window of each rotation started, 7d..30d (default ${SORACOM_AUTH_KEY_DEFAULT_RECOVERY_WINDOW_DAYS}d: the old AuthKey logs in until it is deleted)`, argument(parseRecoveryWindow))
    .option('--pickup-grace <duration>', 'pickup grace of each rotation started, 0s..60m (default 30s)', argument(parsePickupGrace))
    .option('--await-use <duration>', 'each rotation started waits up to this long (1m..30d) for the new key seen in use and the old one out of use before deactivating; see rotate --help', argument(parseAwaitUse));
}

export async function soracomAuthKeysSelection(opts: SoracomAuthKeysOptions): Promise<SoracomAuthKeysFleetSelection> {
  if (opts.consumerMap === undefined) throw new OperatorError('soracom-auth-keys needs --consumer-map <file>: where each SAM user\'s AuthKey is kept, by user name (SAM users have no tags)');
  const consumerMap = Object.fromEntries(readSamUserConsumerMap(opts.consumerMap));
  return {
    kind: 'soracom-auth-keys',
    operatorId: await resolveOperator(opts.operator, undefined),
    maxAgeDays: opts.maxAge ?? DEFAULT_MAX_AGE_DAYS,
    consumerMap,
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
    ...(opts.recoveryWindow === undefined ? {} : { recoveryWindowDays: opts.recoveryWindow }),
    ...(opts.pickupGrace === undefined ? {} : { pickupGraceSeconds: opts.pickupGrace }),
    ...(opts.awaitUse === undefined ? {} : { awaitUseSeconds: opts.awaitUse }),
  };
}

/** The plan, read from this process with the CLI's SORACOM login (the reads a fleet run makes with the worker's). */
export async function* planSoracomAuthKeys(selection: SoracomAuthKeysFleetSelection, rotating: ReadonlySet<string>): AsyncGenerator<FleetDecision> {
  let soracom: SoracomClient;
  try {
    soracom = new SoracomClient(soracomConfigFromEnv());
  } catch (err) {
    throw new OperatorError(`plan soracom-auth-keys lists the SAM users from SORACOM: ${(err as Error).message}`);
  }
  const at = Date.parse(selection.asOf ?? new Date().toISOString());
  let cursor: string | undefined;
  try {
    const me = await soracom.identity();
    if (me.operatorId !== selection.operatorId) throw new OperatorError(`the fleet names SORACOM operator ${selection.operatorId} but your SORACOM login is in operator ${me.operatorId}`);
    do {
      const page = await planSoracomPage(soracom, selection, cursor, at, rotating);
      yield* page.decisions;
      cursor = page.next;
    } while (cursor);
  } catch (err) {
    if (err instanceof ProviderError) throw new OperatorError(`listing SORACOM SAM users: ${err.message}`);
    throw err;
  }
}
