/**
 * `rotator`: the operator CLI. Every command validates its input before it touches Temporal or a provider,
 * prints no secret, and with --json prints one JSON object per line (documented in the README).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { Client } from '@temporalio/client';
import {
  IamUserName,
  AwsAccountId,
  PHASES,
  TERMINAL_PHASES,
  DEFAULT_PICKUP_GRACE_SECONDS,
  DEFAULT_RECOVERY_WINDOW_DAYS,
  parseConsumerArg,
  parsePickupGrace,
  parseRecoveryWindow,
  WallarmCloud,
  WallarmTokenId,
  SoracomOperatorId,
  SoracomSamUserName,
  type ConsumerSpec,
  type Phase,
  type RotationRequestInput,
  type RotationStatus,
} from './rotation/model';
import { runDemo } from './demo-loader';
import { runWorkerProcess } from './worker';
import { createAccessTokenVerifier, type AccessTokenVerifier } from './codec/access-token';
import { startCodecServer } from './codec/codec-server';
import { EncryptionCodec } from './codec/encryption-codec';
import { keyRingFromEnv } from './codec/key-ring';
import { oidcSettingsFromEnv } from './codec/oidc-settings';
import { OperatorError, connectClient, deleteNow, listRotations, restoreRotation, rotationStatus, startRotation } from './operations';
import { readFileSync } from 'node:fs';
import { WallarmClient } from './providers/wallarm/client';
import { ProviderError } from './providers/errors';
import { wallarmConfigFromEnv } from './providers/wallarm/config';
import { parseConsumerMap, parseExpiringWithin } from './rotation/token-selection';
import { rotateExpiringTokens } from './wallarm-rotations';
import { SoracomClient } from './providers/soracom/client';
import { soracomConfigFromEnv } from './providers/soracom/config';

interface Output {
  json: boolean;
}

const print = (line: string) => process.stdout.write(`${line}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value));

/** The fields `status --json` promises (see README): stable names, no secrets. */
function statusJson(status: RotationStatus) {
  return {
    rotationId: status.rotationId,
    phase: status.phase,
    subject: status.subject,
    recoveryWindowDays: status.recoveryWindowDays,
    pickupGraceSeconds: status.pickupGraceSeconds ?? null,
    oldCredentialId: status.oldCredentialId,
    newCredentialId: status.newCredentialId,
    deactivatedAt: status.deactivatedAt,
    deleteAt: status.deleteAt,
    consumers: status.consumers,
    problem: status.problem,
    problemType: status.problemType ?? null,
    timeline: status.timeline,
  };
}

function printStatus(status: RotationStatus): void {
  print(`rotation   ${status.rotationId}`);
  print(`phase      ${status.phase}`);
  print(`subject    ${status.subject}`);
  // SORACOM cannot disable an AuthKey: say that the old one still logs in rather than call it deactivated
  const at = status.deactivatedAt;
  const retired = !at ? '' : status.provider === 'soracom' ? ` (the worker stopped using it ${at}; it logs in until it is deleted)` : ` (deactivated ${at})`;
  print(`old key    ${status.oldCredentialId ?? '–'}${retired}`);
  print(`new key    ${status.newCredentialId ?? '–'}`);
  print(`delete at  ${status.deleteAt ?? '–'} (recovery window ${status.recoveryWindowDays} days${status.pickupGraceSeconds ? `; consumers got ${status.pickupGraceSeconds} s to pick up the new key before deactivation` : ''})`);
  for (const c of status.consumers) {
    const where = c.mode === 'new-version' ? 'secret' : c.mode === 'replace' ? 'file' : 'set';
    print(`consumer   ${c.consumer} [${c.mode}] → ${where} ${c.credentialsId}: ${c.state}, holds ${c.holds ?? 'nothing'}${c.note ? ` — ${c.note}` : ''}`);
  }
  if (status.problem) print(`problem    ${status.problemType ? `[${status.problemType}] ` : ''}${status.problem}`);
  if (status.phase === 'pending-deletion') {
    print('');
    print(`next: rotator delete-now ${status.rotationId} --yes   (delete ${status.oldCredentialId} now)`);
    print(`      rotator restore ${status.rotationId}           (re-enable ${status.oldCredentialId}; consumers keep the new key)`);
  }
}

/** A rotation's status, as one JSON line or as text. */
function showStatus(status: RotationStatus, json: boolean | undefined): void {
  if (json) printJson(statusJson(status));
  else printStatus(status);
}

/** The account to rotate in: given, or the one the operator's AWS credentials belong to. */
async function resolveAccount(account: string | undefined): Promise<string> {
  if (account) return account;
  const sts = new STSClient({ region: process.env.AWS_REGION ?? 'us-east-1', maxAttempts: 3 });
  try {
    const me = await sts.send(new GetCallerIdentityCommand({}));
    if (!me.Account) throw new Error('STS returned no account');
    return me.Account;
  } catch (err) {
    throw new OperatorError(`cannot tell which AWS account to use: ${(err as Error).message}. Pass --account <12 digits> or configure AWS credentials.`);
  } finally {
    sts.destroy();
  }
}

/** Polls the status and prints each new phase until `target` (or an ending) is reached. */
async function followPhases(client: Client, rotationId: string, target: Phase, out: Output): Promise<RotationStatus> {
  const order = (p: Phase) => PHASES.indexOf(p);
  let shown = 0;
  for (;;) {
    const status = await rotationStatus(client, rotationId);
    for (; shown < status.timeline.length; shown++) {
      const step = status.timeline[shown]!;
      if (out.json) printJson({ rotationId, phase: step.phase, at: step.at });
      else print(`  ${step.at}  ${step.phase}`);
    }
    const reached = TERMINAL_PHASES.includes(status.phase) || (order(status.phase) >= order(target) && order(status.phase) <= order('completed'));
    if (reached) return status;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Starts a rotation, prints that it started (with `note`), then follows its phases up to `--wait` (default: past
 * preflight) and shows the status; a failed rotation sets exit code 1.
 */
async function startAndFollow(client: Client, request: RotationRequestInput, opts: { wait: Phase | boolean; note?: string }, out: Output): Promise<void> {
  const handle = await startRotation(client, { ...request, requestedBy: process.env.USER });
  const rotationId = handle.workflowId;
  if (out.json) printJson({ rotationId, runId: handle.firstExecutionRunId, started: true });
  else print(`started rotation ${rotationId}${opts.note ?? ''}`);
  if (opts.wait === false) return;
  const status = await followPhases(client, rotationId, typeof opts.wait === 'string' ? opts.wait : 'creating', out);
  if (!out.json) print('');
  showStatus(status, out.json);
  if (status.phase === 'failed') process.exitCode = 1;
}

async function withClient<T>(run: (client: Client) => Promise<T>): Promise<T> {
  const { client, close } = await connectClient();
  try {
    return await run(client);
  } finally {
    await close();
  }
}

/** Commander prints an InvalidArgumentError with the flag and value, then exits 2: nothing has started. */
function argument<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  };
}

function parseWith<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }) {
  return argument((value: string): T => {
    const result = schema.safeParse(value);
    if (!result.success) throw new Error(result.error.issues.map((i) => i.message).join('; '));
    return result.data;
  });
}

const collectConsumers = (value: string, previous: ConsumerSpec[] = []) => [...previous, argument(parseConsumerArg)(value)];

/** An AuthKey goes into a file or a CSMS secret; no SORACOM credentials type holds one. */
const collectAuthKeyConsumers = (value: string, previous: ConsumerSpec[] = []) => {
  const consumer = argument(parseConsumerArg)(value);
  if (consumer.kind === 'soracom-credentials-set') {
    throw new InvalidArgumentError(`--consumer '${value}': a SORACOM credentials set cannot hold a SORACOM AuthKey; use file:<absolute path> or csms:<secretName>`);
  }
  return [...previous, consumer];
};

/**
 * The codec server's credentials: the static token, OIDC, or both (either one lets a request in). An empty token
 * counts as unset, since compose hands over empty defaults: that is how OIDC runs alone.
 */
async function codecServerAuthFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<{ token?: string; accessTokens?: AccessTokenVerifier }> {
  const token = env.ROTATOR_CODEC_SERVER_TOKEN || undefined;
  let oidc;
  try {
    oidc = oidcSettingsFromEnv(env);
  } catch (err) {
    throw new OperatorError((err as Error).message);
  }
  if (token === undefined && oidc === undefined) {
    throw new OperatorError('set ROTATOR_CODEC_SERVER_TOKEN to a random string of at least 16 characters, e.g. `openssl rand -hex 24`, or ROTATOR_CODEC_OIDC_ISSUER and ROTATOR_CODEC_OIDC_AUDIENCE to accept the tokens of the Temporal UI\'s OIDC login');
  }
  if (token !== undefined && token.length < 16) throw new OperatorError('ROTATOR_CODEC_SERVER_TOKEN must be at least 16 characters, e.g. `openssl rand -hex 24`');
  if (oidc === undefined) return { token };
  // discovery happens once, here: a wrong issuer stops the server at start rather than refusing every login later
  const accessTokens = await createAccessTokenVerifier(oidc).catch((err: Error) => {
    throw new OperatorError(err.message);
  });
  return { token, accessTokens };
}

/** The SORACOM operator to rotate in: given, or the one the SORACOM AuthKey in the operator's environment logs in to. */
async function resolveOperator(operator: string | undefined): Promise<string> {
  if (operator) return operator;
  let config;
  try {
    config = soracomConfigFromEnv();
  } catch (err) {
    throw new OperatorError(`cannot tell which SORACOM operator to use: ${(err as Error).message}. Pass --operator OP… or set the SORACOM variables.`);
  }
  try {
    return (await new SoracomClient(config).identity()).operatorId;
  } catch (err) {
    throw new OperatorError(`cannot tell which SORACOM operator to use: ${(err as Error).message} Pass --operator OP….`);
  }
}

export function buildCli(): Command {
  const program = new Command('rotator')
    .exitOverride() // before the subcommands, which inherit it: usage errors exit 2 from main()
    .description('Rotate long-lived cloud credentials as durable Temporal workflows, without cutting off their consumers.')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Connection: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"), or a
temporal.toml profile (TEMPORAL_PROFILE). AWS: the SDK's default credential chain; AWS_ENDPOINT_URL_IAM /
AWS_ENDPOINT_URL_STS point it at an emulator. SORACOM (worker): SORACOM_AUTH_KEY_ID and SORACOM_AUTH_KEY (or
SORACOM_AUTH_KEY_FILE, a JSON file the rotator can rotate) and SORACOM_ENDPOINT or SORACOM_COVERAGE_TYPE=jp|g.

A rotation goes: ${PHASES.slice(0, 8).join(' → ')}
(other endings: compensating → failed, restored). Its id is derived from the credential:
aws-iam:<account>:<user>, so there is only ever one live rotation per key.`,
    );

  program
    .command('worker')
    .description('run the worker: the rotation workflows and every provider activity queue')
    .addHelpText('after', `
Configured by environment only (README "Pointing it at real AWS, SORACOM and a Temporal cluster"). It refuses to
start without both key rings:
  ROTATOR_CODEC_KEYS or ROTATOR_CODEC_KEY_FILE   encrypt every payload (the CLI and the codec server hold them too)
  ROTATOR_SEAL_KEYS or ROTATOR_SEAL_KEY_FILE     seal every secret inside them (workers only; never a codec key)
Each is '<keyId>:<base64 of 32 bytes>[,<olderId>:<base64>…]', newest first; make a key with \`openssl rand -base64 32\`.`)
    .action(async () => {
      await runWorkerProcess();
    });

  const rotate = program.command('rotate').description('start a rotation');
  rotate
    .command('aws-iam-key')
    .description('rotate the access key of an IAM user and register the new key with each consumer')
    .requiredOption('--user <name>', 'IAM user whose access key is rotated', parseWith(IamUserName))
    .requiredOption(
      '--consumer <spec>',
      'where the key is stored, repeatable: soracom:<credentialsId>[:update|versioned] (update = PUT the same set, the default; versioned = new set <prefix>-<yyyymmdd>, old set deleted with the old key), or csms:<secretName> (a new Huawei Cloud CSMS secret version that takes SYSCURRENT), or file:<absolute path> (a JSON file on the workers, replaced atomically)',
      collectConsumers,
    )
    .option('--account <id>', 'AWS account id (default: the account of your AWS credentials)', parseWith(AwsAccountId))
    .option('--recovery-window <days>', `days the old key stays restorable, 7d..30d (default ${DEFAULT_RECOVERY_WINDOW_DAYS}d)`, argument(parseRecoveryWindow))
    .option('--pickup-grace <duration>', `time consumers get to pick up the new credential before the old one is deactivated, 0s..60m (default ${DEFAULT_PICKUP_GRACE_SECONDS}s)`, argument(parsePickupGrace))
    .addOption(
      new Option('--wait <phase>', 'show live progress until this phase is reached (default: until preflight has passed)').choices(
        PHASES.filter((p) => p !== 'compensating'),
      ),
    )
    .option('--no-wait', 'return as soon as the rotation is started')
    .option('--json', 'print JSON lines instead of text')
    .addHelpText(
      'after',
      `
Example:
  rotator rotate aws-iam-key --user funnel-writer --consumer soracom:funnel-aws --recovery-window 14d --wait pending-deletion

Before anything changes, preflight checks the user has exactly one Active key (IAM allows 2 keys in all) and
that each consumer set exists. The old key is deactivated only after every consumer holds the new one, and
after the pickup grace: software that read the old key just before the switch gets that long to move on.`,
    )
    .action(async (opts: { user: string; consumer: ConsumerSpec[]; account?: string; recoveryWindow?: number; pickupGrace?: number; wait: Phase | boolean; json?: boolean }) => {
      const out = { json: !!opts.json };
      const accountId = await resolveAccount(opts.account);
      await withClient(async (client) => {
        const request: RotationRequestInput = {
          source: { kind: 'aws-iam-access-key', userName: opts.user, accountId },
          consumers: opts.consumer,
          recoveryWindowDays: opts.recoveryWindow ?? DEFAULT_RECOVERY_WINDOW_DAYS,
          pickupGraceSeconds: opts.pickupGrace ?? DEFAULT_PICKUP_GRACE_SECONDS,
        };
        await startAndFollow(client, request, opts, out);
      });
    });

  rotate
    .command('wallarm-token')
    .description('rotate a Wallarm API token (or every token expiring soon) and register the new token with each consumer')
    .option('--token-id <id>', 'the API token to rotate', argument((v) => {
      const parsed = WallarmTokenId.safeParse(Number(v));
      if (!/^\d+$/.test(v.trim()) || !parsed.success) throw new Error('Wallarm token id must be a positive whole number');
      return parsed.data;
    }))
    .option('--consumer <spec>', 'with --token-id, repeatable: soracom:<credentialsId>[:update|versioned] (a set of type api-token-credentials)', collectConsumers)
    .option('--expiring-within <period>', 'instead of --token-id: rotate every enabled token whose expiry falls within this period, e.g. 7d or 72h', argument(parseExpiringWithin))
    .option('--consumer-map <file>', 'with --expiring-within: JSON file {"<token name>": ["soracom:<set>", …], …} naming the consumers of each token')
    .option('--cloud <cloud>', 'Wallarm cloud: us1 (us1.api.wallarm.com), eu (api.wallarm.com), me1 (me1.api.wallarm.com); default WALLARM_CLOUD, else eu', parseWith(WallarmCloud))
    .option('--recovery-window <days>', 'days the old token stays restorable, 7d..30d (default 7d, Wallarm\'s own week; see below for longer)', argument(parseRecoveryWindow))
    .option('--pickup-grace <duration>', `time consumers get to pick up the new credential before the old one is deactivated, 0s..60m (default ${DEFAULT_PICKUP_GRACE_SECONDS}s)`, argument(parsePickupGrace))
    .option('--lifetime <days>', "the new token's lifetime in whole days (default: the old token's lifetime; none if it had no expiry)", argument((v) => {
      const m = /^(\d+)\s*d?$/.exec(v.trim());
      const n = m ? Number(m[1]) : Number.NaN;
      if (!(Number.isInteger(n) && n >= 1 && n <= 3650)) throw new Error('token lifetime must be 1–3650 whole days, e.g. 90d');
      return n;
    }))
    .addOption(
      new Option('--wait <phase>', 'with --token-id: show live progress until this phase is reached (default: until preflight has passed)').choices(
        PHASES.filter((p) => p !== 'compensating'),
      ),
    )
    .option('--no-wait', 'return as soon as the rotation is started')
    .option('--json', 'print JSON lines instead of text')
    .addHelpText(
      'after',
      `
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

The CLI and the worker need WALLARM_API_TOKEN (and WALLARM_CLOUD or WALLARM_API_HOST); see README.`,
    )
    .action(async (opts: {
      tokenId?: number; consumer?: ConsumerSpec[]; expiringWithin?: number; consumerMap?: string; cloud?: WallarmCloud;
      recoveryWindow?: number; pickupGrace?: number; lifetime?: number; wait: Phase | boolean; json?: boolean;
    }) => {
      const out = { json: !!opts.json };
      // every check before any call: nothing is started on a half-understood command line
      if ((opts.tokenId === undefined) === (opts.expiringWithin === undefined)) throw new OperatorError('give exactly one of --token-id <id> and --expiring-within <period>');
      if (opts.tokenId !== undefined && (opts.consumer === undefined || opts.consumerMap !== undefined)) throw new OperatorError('--token-id needs --consumer (repeatable), not --consumer-map');
      if (opts.expiringWithin !== undefined && (opts.consumerMap === undefined || opts.consumer !== undefined)) throw new OperatorError('--expiring-within needs --consumer-map <file>, not --consumer');
      let config;
      try {
        config = wallarmConfigFromEnv();
      } catch (err) {
        throw new OperatorError((err as Error).message);
      }
      const cloud = opts.cloud ?? config?.cloud ?? 'eu';
      const recoveryWindowDays = opts.recoveryWindow ?? 7;
      const pickupGraceSeconds = opts.pickupGrace ?? DEFAULT_PICKUP_GRACE_SECONDS;
      const lifetime = opts.lifetime === undefined ? {} : { lifetimeDays: opts.lifetime };

      if (opts.tokenId !== undefined) {
        await withClient(async (client) => {
          const request: RotationRequestInput = {
            source: { kind: 'wallarm-api-token', cloud, tokenId: opts.tokenId!, ...lifetime },
            consumers: opts.consumer!,
            recoveryWindowDays,
            pickupGraceSeconds,
          };
          const note = recoveryWindowDays > 7 ? ` (window ${recoveryWindowDays}d > Wallarm's 7: the old token stays enabled, expiring at the window's end)` : '';
          await startAndFollow(client, request, { wait: opts.wait, note }, out);
        });
        return;
      }

      let consumerMap;
      try {
        consumerMap = parseConsumerMap(readFileSync(opts.consumerMap!, 'utf8'), opts.consumerMap!);
      } catch (err) {
        throw new OperatorError((err as Error).message.replace(/^ENOENT: /, `--consumer-map ${opts.consumerMap}: `));
      }
      if (config === undefined) throw new OperatorError('--expiring-within lists tokens from Wallarm: set WALLARM_API_TOKEN (and WALLARM_CLOUD or WALLARM_API_HOST)');
      if (config.cloud !== cloud) throw new OperatorError(`--cloud ${cloud} but WALLARM_CLOUD is ${config.cloud}: the CLI can list only the cloud its token belongs to`);
      const wallarm = new WallarmClient(config);
      await withClient(async (client) => {
        let outcomes;
        try {
          outcomes = await rotateExpiringTokens(client, wallarm, { cloud, withinMs: opts.expiringWithin!, consumerMap, recoveryWindowDays, pickupGraceSeconds, ...lifetime, requestedBy: process.env.USER });
        } catch (err) {
          if (err instanceof ProviderError) throw new OperatorError(`listing Wallarm API tokens: ${err.message}`);
          throw err;
        }
        if (outcomes.length === 0 && !out.json) print(`no enabled Wallarm API token expires within ${opts.expiringWithin! / 3_600_000}h`);
        for (const o of outcomes) {
          if (out.json) printJson(o);
          else print(`${o.outcome.padEnd(16)} ${o.rotationId}  '${o.name}' expires ${o.expireAt}${o.detail ? ` — ${o.detail}` : ''}`);
        }
        if (outcomes.some((o) => o.outcome === 'not-started')) process.exitCode = 1;
      });
    });

  rotate
    .command('soracom-auth-key')
    .description("rotate a SORACOM SAM user's AuthKey — typically the rotator's own login — and register the new key with each consumer")
    .requiredOption('--user <samUser>', 'SAM user whose AuthKey is rotated, e.g. credential-rotator', parseWith(SoracomSamUserName))
    .requiredOption(
      '--consumer <spec>',
      "where the key is stored, repeatable: file:<absolute path> (a JSON file {\"authKeyId\",\"authKey\"} replaced atomically, e.g. the worker's SORACOM_AUTH_KEY_FILE) or csms:<secretName> (a new CSMS secret version holding the same JSON)",
      collectAuthKeyConsumers,
    )
    .option('--operator <id>', 'SORACOM operator id, e.g. OP0012345678 (default: the operator your SORACOM AuthKey variables log in to)', parseWith(SoracomOperatorId))
    .option('--recovery-window <days>', "days the old AuthKey is kept — and still logs in — before it is deleted, 7d..30d (default 7d)", argument(parseRecoveryWindow))
    .option('--pickup-grace <duration>', `time consumers get to pick up the new key before the switch is checked, 0s..60m (default ${DEFAULT_PICKUP_GRACE_SECONDS}s)`, argument(parsePickupGrace))
    .addOption(
      new Option('--wait <phase>', 'show live progress until this phase is reached (default: until preflight has passed)').choices(
        PHASES.filter((p) => p !== 'compensating'),
      ),
    )
    .option('--no-wait', 'return as soon as the rotation is started')
    .option('--json', 'print JSON lines instead of text')
    .addHelpText(
      'after',
      `
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
soracom-auth-key:<operator>:<user>. SAM permissions: deploy/soracom/rotator-sam-self-rotation.json (README).`,
    )
    .action(async (opts: { user: string; consumer: ConsumerSpec[]; operator?: string; recoveryWindow?: number; pickupGrace?: number; wait: Phase | boolean; json?: boolean }) => {
      const out = { json: !!opts.json };
      const operatorId = await resolveOperator(opts.operator);
      await withClient(async (client) => {
        const request: RotationRequestInput = {
          source: { kind: 'soracom-auth-key', operatorId, userName: opts.user },
          consumers: opts.consumer,
          recoveryWindowDays: opts.recoveryWindow ?? 7,
          pickupGraceSeconds: opts.pickupGrace ?? DEFAULT_PICKUP_GRACE_SECONDS,
        };
        await startAndFollow(client, request, { wait: opts.wait, note: ' (the old AuthKey keeps logging in until it is deleted at the end of the window)' }, out);
      });
    });

  program
    .command('status <rotation-id>')
    .description('show a rotation: phase, keys, deleteAt, what each consumer holds')
    .option('--json', 'print one JSON object')
    .action(async (rotationId: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await rotationStatus(client, rotationId);
        showStatus(status, opts.json);
      });
    });

  program
    .command('list')
    .description('list rotations, newest first')
    .addOption(new Option('--phase <phase>', 'only rotations in this phase').choices([...PHASES]))
    .option(
      '--limit <n>',
      'at most this many',
      argument((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error('must be a positive whole number');
        return n;
      }),
    )
    .option('--json', 'print one JSON object per rotation')
    .action(async (opts: { phase?: string; limit?: number; json?: boolean }) => {
      await withClient(async (client) => {
        const rows = await listRotations(client, opts);
        if (opts.json) return rows.forEach(printJson);
        if (rows.length === 0) return print('no rotations');
        print(['ROTATION', 'PHASE', 'DELETE AT', 'STARTED'].join('\t'));
        for (const r of rows) print([r.rotationId, r.phase ?? r.status.toLowerCase(), r.deleteAt ?? '–', r.startTime].join('\t'));
      });
    });

  program
    .command('restore <rotation-id>')
    .description('during the recovery window: re-enable the old key (consumers keep the new one); ends "restored"')
    .option('--json', 'print one JSON object')
    .action(async (rotationId: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await restoreRotation(client, rotationId);
        showStatus(status, opts.json);
      });
    });

  program
    .command('delete-now <rotation-id>')
    .description('during the recovery window: delete the old key now instead of at deleteAt; ends "completed"')
    .option('--yes', 'confirm: the old key is deleted for good')
    .option('--json', 'print one JSON object')
    .action(async (rotationId: string, opts: { yes?: boolean; json?: boolean }) => {
      if (!opts.yes) throw new OperatorError(`delete-now deletes the old key for good; add --yes to confirm`);
      await withClient(async (client) => {
        const status = await deleteNow(client, rotationId);
        showStatus(status, opts.json);
      });
    });

  program
    .command('codec-server')
    .description('serve /encode and /decode for the Temporal UI, so an operator with the token sees decoded payloads')
    .option('--host <host>', 'interface to listen on (keep it loopback unless TLS terminates in front)', '127.0.0.1')
    .option('--port <port>', 'port', argument((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('must be a port number');
      return n;
    }), 8888)
    .option('--ui-origin <origin>', 'the Temporal UI origin allowed by CORS', 'http://127.0.0.1:8233')
    .addHelpText('after', `
The static token comes from ROTATOR_CODEC_SERVER_TOKEN (at least 16 characters); keys from ROTATOR_CODEC_KEYS or
ROTATOR_CODEC_KEY_FILE, as for the worker. Give the UI the printed endpoint, which carries the token in its path
(e.g. temporal server start-dev --ui-codec-endpoint <endpoint>, or TEMPORAL_CODEC_ENDPOINT for the UI server).

With the UI's OIDC login, set ROTATOR_CODEC_OIDC_ISSUER and ROTATOR_CODEC_OIDC_AUDIENCE (optional:
ROTATOR_CODEC_OIDC_JWKS_URL, ROTATOR_CODEC_OIDC_ALGORITHMS) and TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true on the UI
server: the bearer JWT it forwards is then verified. The static token becomes optional; leave it unset to accept
only signed-in users.`)
    .action(async (opts: { host: string; port: number; uiOrigin: string }) => {
      let codec: EncryptionCodec;
      try {
        codec = new EncryptionCodec(keyRingFromEnv());
      } catch (err) {
        throw new OperatorError((err as Error).message);
      }
      const { token, accessTokens } = await codecServerAuthFromEnv();
      // requests with no credential at all are health checks and scanners: logging them would bury the refusals that matter
      const onRefusal = (reason: string) => reason !== 'no credential' && process.stderr.write(`codec server: refused a request (${reason})\n`);
      const server = await startCodecServer({ codec, token, accessTokens, onRefusal, uiOrigin: opts.uiOrigin, host: opts.host, port: opts.port });
      const endpoint = token === undefined ? server.url : `${server.url}/<token>`;
      process.stderr.write(`codec server on ${server.url} for UI origin ${opts.uiOrigin}; UI codec endpoint: ${endpoint}\n`);
      if (accessTokens) process.stderr.write(`codec server: accepting bearer JWTs from ${accessTokens.issuer} (keys: ${accessTokens.jwksUrl.href})${token === undefined ? '' : ' or the static token'}\n`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
      await server.stop();
    });

  program
    .command('demo')
    .description('start a local Temporal dev server, moto, the SORACOM sandbox and a worker, then run a real rotation')
    .action(async () => {
      await runDemo();
    });

  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or the help) to stderr
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = err instanceof OperatorError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`rotator: ${message}\n`);
    process.exitCode = err instanceof OperatorError ? 2 : 1;
  }
}

// The AWS SDK warns that releases after January 2027 need Node 22: true, but noise in every command's output.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!warning.message.includes('NodeVersionSupportWarning')) process.stderr.write(`${warning.name}: ${warning.message}\n`);
});

// `rotator list | head` closes the pipe early: that is the reader's choice, not an error
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

if (require.main === module) {
  void main();
}
