/**
 * `rotator rotate aws-iam-key`: everything the CLI knows of IAM access keys — its options, consumer syntax, default
 * window, how the options become a source spec, and the account lookup through STS.
 */
import type { Command } from 'commander';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { consumerSyntaxHelp, defaultRecoveryWindowOf, type ConsumerSpec } from '../../rotation/model';
import { awsAccountId, iamUserName } from './descriptor';
import { OperatorError } from '../../operations';
import { collectConsumers, parseWith } from '../../cli/arguments';
import { rotateAndFollow } from '../../cli/follow';
import { addFollowOptions, consumerOption, pickupGraceOption, recoveryWindowOption, type FollowOptions, type WindowOptions } from '../../cli/options';

/** The descriptor's default, 30 days: a deactivated IAM key signs no request, so a long window only keeps restore open. */
const AWS_IAM_KEY_DEFAULT_RECOVERY_WINDOW_DAYS = defaultRecoveryWindowOf('aws-iam-access-key');

/** Every consumer that can hold an AWS key, as the registry describes it. */
const CONSUMER_SYNTAX = `where the key is stored, repeatable: ${consumerSyntaxHelp('aws-iam-access-key')}`;

const HELP = `
Example:
  rotator rotate aws-iam-key --user funnel-writer --consumer soracom:funnel-aws --recovery-window 14d --wait pending-deletion

Before anything changes, preflight checks the user has exactly one Active key (IAM allows 2 keys in all) and
that each consumer set exists. The old key is deactivated only after every consumer holds the new one, and
after the pickup grace: software that read the old key just before the switch gets that long to move on.`;

interface AwsIamKeyOptions extends WindowOptions, FollowOptions {
  user: string;
  consumer: ConsumerSpec[];
  account?: string;
}

/** The account to rotate in: given, or the one the operator's AWS credentials belong to. */
export async function resolveAccount(account: string | undefined): Promise<string> {
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

async function rotateAwsIamKey(opts: AwsIamKeyOptions): Promise<void> {
  const accountId = await resolveAccount(opts.account);
  await rotateAndFollow({
    source: { kind: 'aws-iam-access-key', userName: opts.user, accountId },
    consumers: opts.consumer,
    opts,
    defaultRecoveryWindowDays: AWS_IAM_KEY_DEFAULT_RECOVERY_WINDOW_DAYS,
  });
}

export function addAwsIamKeyCommand(rotate: Command): void {
  const command = rotate
    .command('aws-iam-key')
    .description('rotate the access key of an IAM user and register the new key with each consumer')
    .requiredOption('--user <name>', 'IAM user whose access key is rotated', parseWith(iamUserName()))
    .addOption(consumerOption(CONSUMER_SYNTAX, collectConsumers).makeOptionMandatory())
    .option('--account <id>', 'AWS account id (default: the account of your AWS credentials)', parseWith(awsAccountId()))
    .addOption(recoveryWindowOption('days the old key stays restorable', AWS_IAM_KEY_DEFAULT_RECOVERY_WINDOW_DAYS))
    .addOption(pickupGraceOption('the new credential before the old one is deactivated'));
  addFollowOptions(command).addHelpText('after', HELP).action(rotateAwsIamKey);
}
