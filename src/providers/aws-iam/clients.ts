import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { callContext, USER_AGENT_PRODUCT } from '../call-context';
import { recordProviderCall, secondsSince } from '../../telemetry/provider-calls';
import { awsCallOutcome } from './errors';

/** Credentials of a single access key, used to sign one STS call with the key being verified. */
export interface AccessKeyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AwsClients {
  iam: IAMClient;
  /** STS signed with the rotator's own credentials (default chain) */
  sts: STSClient;
  /** STS signed with the given key: the only proof that a new key authenticates */
  stsWithKey(credentials: AccessKeyCredentials): STSClient;
  /** The same clients in another account of the organisation, through the role assumed there (AWS's "keys at scale" pattern). */
  inAccount(accountId: string, roleName: string): AwsClients;
  /** AWS Organizations, to list the accounts a fleet sweeps (created when first used) */
  organizations(): OrganizationsClient;
}

/**
 * One client per service, configured once. `maxAttempts: 1` because Temporal is the only retry layer
 * (the SDK would otherwise retry CreateAccessKey, which is not idempotent, and treat LimitExceeded as throttling).
 * Endpoints come from the SDK's standard variables (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), the
 * credentials from its default chain (environment, AWS_PROFILE with SSO or role assumption, web identity, container and
 * instance roles), the region from its own order (AWS_REGION, then the profile's `region`) before a fallback.
 */
export function createAwsClients(
  options: { region?: string; endpoint?: { iam?: string; sts?: string; organizations?: string }; credentials?: AccessKeyCredentials | AwsCredentialIdentityProvider } = {},
): AwsClients {
  const region = options.region ?? sdkRegionOrFallback();
  // a hung connection must fail well inside the activity's 30 s start-to-close, so Temporal retries it
  const common = { region, maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 } };
  const own = options.credentials ? { credentials: options.credentials } : {};
  const accounts = new Map<string, AwsClients>();
  const sts = tagged(new STSClient({ ...common, ...own, ...(options.endpoint?.sts ? { endpoint: options.endpoint.sts } : {}) }));
  let organizations: OrganizationsClient | undefined;
  return {
    organizations: () => (organizations ??= new OrganizationsClient({ ...common, ...own, ...(options.endpoint?.organizations ? { endpoint: options.endpoint.organizations } : {}) })),
    inAccount: (accountId, roleName) => {
      const key = `${accountId}/${roleName}`;
      let clients = accounts.get(key);
      if (!clients) {
        clients = createAwsClients({ ...options, credentials: assumedRole(sts, accountId, roleName) });
        accounts.set(key, clients);
      }
      return clients;
    },
    iam: tagged(new IAMClient({ ...common, ...own, ...(options.endpoint?.iam ? { endpoint: options.endpoint.iam } : {}) })),
    sts,
    stsWithKey: (credentials) =>
      tagged(new STSClient({ ...common, credentials, ...(options.endpoint?.sts ? { endpoint: options.endpoint.sts } : {}) })),
  };
}

/**
 * The region the SDK resolves on its own (AWS_REGION, then the `region` of the AWS_PROFILE profile in the shared config
 * file), else AWS_DEFAULT_REGION (the AWS CLI's), else us-east-1. IAM is global but signed in its partition's region: a
 * profile in aws-cn or aws-us-gov must keep its region, never be signed as us-east-1. Resolved once, when first needed.
 */
function sdkRegionOrFallback(): () => Promise<string> {
  let resolved: Promise<string> | undefined;
  return () =>
    (resolved ??= (async () => {
      const probe = new STSClient({});
      try {
        return await probe.config.region();
      } catch {
        return process.env.AWS_DEFAULT_REGION || 'us-east-1';
      } finally {
        probe.destroy();
      }
    })());
}

/**
 * Credentials of `roleName` in `accountId`, assumed with the rotator's own and renewed five minutes before they expire.
 * The role's ARN takes the partition of the rotator's own identity (aws, aws-cn, aws-us-gov).
 */
function assumedRole(sts: STSClient, accountId: string, roleName: string): AwsCredentialIdentityProvider {
  let current: AwsCredentialIdentity | undefined;
  let partition: string | undefined;
  return async () => {
    if (current?.expiration && current.expiration.getTime() - Date.now() > 5 * 60_000) return current;
    partition ??= (await sts.send(new GetCallerIdentityCommand({}))).Arn?.split(':')[1] ?? 'aws';
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:${partition}:iam::${accountId}:role/${roleName}`, RoleSessionName: 'credential-rotator', DurationSeconds: 3600 }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`sts:AssumeRole ${roleName} in ${accountId} returned no credentials`);
    current = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    return current;
  };
}

/**
 * Appends the rotation and activity attempt to the User-Agent, so CloudTrail's `userAgent` names the rotation that made a
 * call, and counts each call for the provider-call metrics.
 */
function tagged<C extends IAMClient | STSClient>(client: C): C {
  (client.middlewareStack as IAMClient['middlewareStack']).add(
    (next) => async (args) => {
      const context = callContext();
      const request = args.request as { headers?: Record<string, string> };
      if (context && request.headers) request.headers['user-agent'] = `${request.headers['user-agent'] ?? ''} ${USER_AGENT_PRODUCT} (${context})`.trim();
      return next(args);
    },
    { step: 'build', priority: 'low', name: 'rotatorCallContext' },
  );
  // around the whole call, errors included: one count per API call, by operation (GetCallerIdentity, CreateAccessKey, …)
  (client.middlewareStack as IAMClient['middlewareStack']).add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const startedAt = performance.now();
      try {
        const output = await next(args);
        recordProviderCall('aws-iam', operation, 'success', secondsSince(startedAt));
        return output;
      } catch (err) {
        recordProviderCall('aws-iam', operation, awsCallOutcome(err), secondsSince(startedAt));
        throw err;
      }
    },
    { step: 'initialize', priority: 'high', name: 'rotatorCallMetrics' },
  );
  return client;
}
