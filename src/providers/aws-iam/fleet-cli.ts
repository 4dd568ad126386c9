/** `plan aws-iam-keys` and `fleet aws-iam-keys`: the options that select an account's IAM users, and its plan read from here. */
import { Option, type Command } from 'commander';
import { argument, parseWith } from '../../cli/arguments';
import { parseAwaitUse, parsePickupGrace, parseRecoveryWindow } from '../../rotation/model';
import { parseAsOf, parseMaxAge, type AwsIamFleetSelection, type FleetDecision } from '../../rotation/fleet';
import { resolveAccount } from './cli';
import { createAwsClients } from './clients';
import { awsAccountId, iamRoleName } from './descriptor';
import { OperatorError } from '../../operations';
import { planAwsIamPage } from './fleet';

export interface AwsIamKeysOptions {
  account?: string;
  organization?: boolean;
  accountRole?: string;
  pathPrefix: string;
  maxAge?: number;
  asOf?: string;
  recoveryWindow?: number;
  pickupGrace?: number;
  awaitUse?: number;
}

/** CIS AWS Foundations: access keys rotated every 90 days or less. */
const DEFAULT_MAX_AGE_DAYS = 90;

const asOfDate = argument(parseAsOf);

const pathPrefix = argument((value: string): string => {
  if (!/^\/([\x21-\x7e]*\/)?$/.test(value)) throw new Error(`--path-prefix '${value}' must be an IAM path that starts and ends with /, e.g. /service/`);
  return value;
});

export function addAwsIamKeysOptions(command: Command): Command {
  return command
    .option('--account <id>', 'AWS account id (default: the account of your AWS credentials)', parseWith(awsAccountId()))
    .option('--organization', "every active account of the organisation your AWS credentials manage, each through --account-role")
    .option('--account-role <name>', 'with --organization: the role assumed in each member account, e.g. OrganizationAccountAccessRole', parseWith(iamRoleName()))
    .option('--path-prefix <path>', 'only IAM users under this path', pathPrefix, '/')
    .option('--max-age <days>', "rotate a user whose Active key is this old or older, e.g. 90d (CIS AWS's limit, the default)", argument(parseMaxAge))
    .addOption(new Option('--as-of <date>', 'evaluate ages at this date instead of now ("what is due next month?")').argParser(asOfDate))
    .option('--recovery-window <days>', 'window of each rotation started, 7d..30d (default: the source\'s)', argument(parseRecoveryWindow))
    .option('--pickup-grace <duration>', 'pickup grace of each rotation started, 0s..60m (default 30s)', argument(parsePickupGrace))
    .option('--await-use <duration>', 'each rotation started waits up to this long (1m..30d) for the new key seen in use and the old one out of use before deactivating; see rotate --help', argument(parseAwaitUse));
}

export async function awsIamKeysSelection(opts: AwsIamKeysOptions): Promise<AwsIamFleetSelection> {
  if (opts.organization && !opts.accountRole) throw new OperatorError('--organization needs --account-role <name>: the role the rotator assumes in each member account');
  if (opts.accountRole && !opts.organization) throw new OperatorError('--account-role is for --organization sweeps');
  return {
    kind: 'aws-iam-keys',
    accountId: await resolveAccount(opts.account),
    ...(opts.organization ? { organizationRole: opts.accountRole! } : {}),
    pathPrefix: opts.pathPrefix,
    maxAgeDays: opts.maxAge ?? DEFAULT_MAX_AGE_DAYS,
    ...(opts.asOf ? { asOf: opts.asOf } : {}),
    ...(opts.recoveryWindow === undefined ? {} : { recoveryWindowDays: opts.recoveryWindow }),
    ...(opts.pickupGrace === undefined ? {} : { pickupGraceSeconds: opts.pickupGrace }),
    ...(opts.awaitUse === undefined ? {} : { awaitUseSeconds: opts.awaitUse }),
  };
}

/** The plan, read from this process with the operator's AWS credentials (the same reads a fleet run makes). */
export async function* planAwsIamKeys(selection: AwsIamFleetSelection, rotating: ReadonlySet<string>): AsyncGenerator<FleetDecision> {
  const aws = createAwsClients();
  const at = Date.parse(selection.asOf ?? new Date().toISOString());
  let cursor: string | undefined;
  try {
    do {
      const page = await planAwsIamPage(aws, selection, cursor, at, rotating);
      yield* page.decisions;
      cursor = page.next;
    } while (cursor);
  } finally {
    aws.iam.destroy();
    aws.sts.destroy();
  }
}
