/**
 * `rotator rotate soracom-auth-key`: everything the CLI knows of SORACOM SAM-user AuthKeys — its options, the
 * consumers that can hold one, the default window, how the options become a source spec, and the operator lookup.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { defaultRecoveryWindowOf, manualConsumerHelp, parseConsumerArg, type ConsumerSpec } from '../../rotation/model';
import { soracomOperatorId, soracomSamUserName } from './descriptor';
import { OperatorError } from '../../operations';
import { SoracomClient } from './client';
import { soracomConfigFromEnv } from './config';
import { argument, parseWith } from '../../cli/arguments';
import { rotateAndFollow } from '../../cli/follow';
import { addFollowOptions, consumerOption, pickupGraceOption, recoveryWindowOption, type FollowOptions, type WindowOptions } from '../../cli/options';

/** The shortest window allowed: SORACOM cannot disable an AuthKey, so the old one logs in until it is deleted. */
export const SORACOM_AUTH_KEY_DEFAULT_RECOVERY_WINDOW_DAYS = defaultRecoveryWindowOf('soracom-auth-key');

const CONSUMER_SYNTAX =
  "where the key is stored, repeatable: file:<absolute path> (a JSON file {\"authKeyId\",\"authKey\"} replaced atomically, e.g. the worker's SORACOM_AUTH_KEY_FILE) or csms:<secretName> (a new CSMS secret version holding the same JSON), or " +
  (manualConsumerHelp('soracom-auth-key') ?? '');

const HELP = `
Example (the rotator rotating its own login; the worker runs with SORACOM_AUTH_KEY_FILE=/var/lib/rotator/soracom-auth-key.json):
  rotator rotate soracom-auth-key --user credential-rotator --consumer file:/var/lib/rotator/soracom-auth-key.json --recovery-window 7d

What happens: preflight checks the worker logs in to the named operator, that the user has exactly one AuthKey
(SORACOM does not publish its cap; the rotator allows two at a time, like IAM) and that each consumer holds an
AuthKey as {"authKeyId","authKey"} JSON. A new AuthKey is generated (once: one left by a lost answer is found and
deleted), verified with POST /auth (it must log in as that user of that operator), then written to each consumer.
A file is replaced atomically (temporary file, fsync, rename; mode 0600) after its content is copied to
<file>.previous (0600), from which a failed rotation puts it back. The worker re-reads SORACOM_AUTH_KEY_FILE
whenever it logs in again, and logs in with the new key before the rotation moves on.

SORACOM cannot disable an AuthKey: during the recovery window the OLD KEY STILL LOGS IN. It is deleted when the
window ends (or at 'rotator delete-now'); 'rotator restore' keeps it — then the user has two keys until you delete
one. The rotator never deletes the key its own worker logs in with. The rotation id is
soracom-auth-key:<operator>:<user>. SAM permissions: deploy/soracom/rotator-sam-self-rotation.json (README).`;

interface SoracomAuthKeyOptions extends WindowOptions, FollowOptions {
  user: string;
  consumer: ConsumerSpec[];
  operator?: string;
  soracomProfile?: string;
}

/** An AuthKey goes into a file or a CSMS secret; no SORACOM credentials type holds one. */
const collectAuthKeyConsumers = (value: string, previous: ConsumerSpec[] = []) => {
  const consumer = argument(parseConsumerArg)(value);
  if (consumer.kind === 'soracom-credentials-set') {
    throw new InvalidArgumentError(`--consumer '${value}': a SORACOM credentials set cannot hold a SORACOM AuthKey; use file:<absolute path> or csms:<secretName>`);
  }
  return [...previous, consumer];
};

/**
 * The SORACOM operator to rotate in: given, or the one the SORACOM AuthKey in the operator's environment logs in to,
 * or that of the soracom-cli profile named (as SORACOM_PROFILE names it: the SORACOM variables still come first).
 */
export async function resolveOperator(operator: string | undefined, soracomProfile: string | undefined): Promise<string> {
  if (operator) return operator;
  let config;
  try {
    config = soracomConfigFromEnv(soracomProfile === undefined ? process.env : { ...process.env, SORACOM_PROFILE: soracomProfile });
  } catch (err) {
    throw new OperatorError(`cannot tell which SORACOM operator to use: ${(err as Error).message}. Pass --operator OP… or set the SORACOM variables.`);
  }
  try {
    return (await new SoracomClient(config).identity()).operatorId;
  } catch (err) {
    throw new OperatorError(`cannot tell which SORACOM operator to use: ${(err as Error).message} Pass --operator OP….`);
  }
}

async function rotateSoracomAuthKey(opts: SoracomAuthKeyOptions): Promise<void> {
  const operatorId = await resolveOperator(opts.operator, opts.soracomProfile);
  await rotateAndFollow({
    source: { kind: 'soracom-auth-key', operatorId, userName: opts.user },
    consumers: opts.consumer,
    opts,
    defaultRecoveryWindowDays: SORACOM_AUTH_KEY_DEFAULT_RECOVERY_WINDOW_DAYS,
    note: ' (the old AuthKey keeps logging in until it is deleted at the end of the window)',
  });
}

export function addSoracomAuthKeyCommand(rotate: Command): void {
  const command = rotate
    .command('soracom-auth-key')
    .description("rotate a SORACOM SAM user's AuthKey — typically the rotator's own login — and register the new key with each consumer")
    .requiredOption('--user <samUser>', 'SAM user whose AuthKey is rotated, e.g. credential-rotator', parseWith(soracomSamUserName()))
    .addOption(consumerOption(CONSUMER_SYNTAX, collectAuthKeyConsumers).makeOptionMandatory())
    .option('--operator <id>', 'SORACOM operator id, e.g. OP0012345678 (default: the operator your SORACOM AuthKey variables or soracom-cli profile log in to)', parseWith(soracomOperatorId()))
    .option('--soracom-profile <name>', "without --operator: the soracom-cli profile whose operator to use (as SORACOM_PROFILE; the worker reads its own environment)")
    .addOption(recoveryWindowOption('days the old AuthKey is kept — and still logs in — before it is deleted', SORACOM_AUTH_KEY_DEFAULT_RECOVERY_WINDOW_DAYS))
    .addOption(pickupGraceOption('the new key before the switch is checked'));
  addFollowOptions(command).addHelpText('after', HELP).action(rotateSoracomAuthKey);
}
