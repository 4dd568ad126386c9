/**
 * Least privilege, tested: the rotator runs as a principal holding exactly the shipped permissions and nothing else.
 * - AWS: moto with IAM authorization on; the rotator's IAM user holds deploy/aws/rotator-iam-policy.json.
 * - SORACOM: the sandbox denies (403 AUM0017) every API the SAM statements in deploy/soracom/ do not allow,
 *   each request named `Tag:operationId` from SORACOM's OpenAPI document, as SAM names them.
 * Every action used is granted, and every action granted is used.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OpenAPIBackend } from 'openapi-backend';
import { ACCOUNT, OPERATOR, soracomAuth, useProviders, withWorkers } from '../support/rotation-env';
import { createDevServerEnv } from '../support/temporal';
import { startGateProxy, type GateProxy } from '../support/gate-proxy';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import type { ConsumerSpec } from '../../src/rotation/model';

const root = path.resolve(__dirname, '../..');
interface IamStatement {
  Effect: string;
  Action: string[];
  Resource: string;
}
const iamPolicy = JSON.parse(readFileSync(path.join(root, 'deploy/aws/rotator-iam-policy.json'), 'utf8')) as { Statement: IamStatement[] };
interface SamStatement {
  effect: 'allow' | 'deny';
  api: string[];
}
const samPermission = JSON.parse(readFileSync(path.join(root, 'deploy/soracom/rotator-sam-permission.json'), 'utf8')) as { statements: SamStatement[] };

/** SAM's rule: an explicit deny wins, otherwise some allow must match (`*` is a wildcard in API names). */
function samAllows(api: string): boolean {
  const matches = (s: SamStatement) => s.api.some((pattern) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(api));
  return !samPermission.statements.some((s) => s.effect === 'deny' && matches(s)) && samPermission.statements.some((s) => s.effect === 'allow' && matches(s));
}

let env: TestWorkflowEnvironment;
let soracomSpec: OpenAPIBackend;
beforeAll(async () => {
  env = await createDevServerEnv();
  soracomSpec = new OpenAPIBackend({ definition: path.resolve(root, '../shared/specs/soracom/soracom-api.en.yaml'), quick: true });
  await soracomSpec.init();
});
afterAll(async () => {
  await env?.teardown();
});

/** The SAM API name of a request, e.g. `PUT /credentials/x` → `Credential:updateCredential`. */
function samApiName(method: string, requestPath: string): string {
  const operation = soracomSpec.matchOperation({ method, path: requestPath.replace(/^\/v1(?=\/)/, ''), headers: {}, query: {} });
  if (!operation) throw new Error(`no SORACOM operation for ${method} ${requestPath}`);
  return `${operation.tags?.[0] ?? '?'}:${operation.operationId}`;
}

describe('the rotator holding exactly the shipped permissions', () => {
  const samCalls: string[] = [];
  const providers = useProviders({
    soracomDenies: (method, requestPath) => {
      const api = samApiName(method, requestPath);
      samCalls.push(api);
      return !samAllows(api);
    },
  });
  let proxy: GateProxy | undefined;
  afterEach(async () => {
    await providers.moto.server.setAuth(Infinity);
    await proxy?.stop();
  });

  it('completes rotations in update and versioned mode, is denied anything else, and uses every permission it holds', async () => {
    const admin = providers.moto.iam();
    // the rotator's own principal; moto authorizes IAM user actions against the resource "*" (only role ARNs are
    // resolved), so here each statement's Resource is widened to "*": the actions are tested, the user scope is not
    await admin.send(new CreateUserCommand({ UserName: 'credential-rotator', Path: '/service/' }));
    const motoEvaluable = { ...iamPolicy, Statement: iamPolicy.Statement.map((s) => ({ ...s, Resource: '*' })) };
    await admin.send(new PutUserPolicyCommand({ UserName: 'credential-rotator', PolicyName: 'credential-rotator', PolicyDocument: JSON.stringify(motoEvaluable) }));
    const { AccessKey: rotatorKey } = await admin.send(new CreateAccessKeyCommand({ UserName: 'credential-rotator' }));
    const rotatorCredentials = { accessKeyId: rotatorKey!.AccessKeyId!, secretAccessKey: rotatorKey!.SecretAccessKey! };

    // two rotated users, under the path the policy names, each registered in a SORACOM set
    const oldKeys: Record<string, string> = {};
    for (const userName of ['lp-update', 'lp-versioned']) {
      await admin.send(new CreateUserCommand({ UserName: userName, Path: '/rotated/' }));
      const { AccessKey } = await admin.send(new CreateAccessKeyCommand({ UserName: userName }));
      oldKeys[userName] = AccessKey!.AccessKeyId!;
      await providers.addSet(`${userName}-aws`, AccessKey!.AccessKeyId!);
    }
    // software reaches the versioned set through a group, which the rotation must move to the new set
    providers.addGroup('lp-sims', { SoracomFunnel: { enabled: true, credentialsId: 'lp-versioned-aws' } });

    // from here on every AWS request must be signed by a real key and allowed by its policies
    const iamActions = new Set<string>();
    proxy = await startGateProxy(providers.moto.server.endpoint, undefined, {
      keepHost: true,
      onRequest: (_method, _path, body) => {
        const action = new URLSearchParams(body.toString()).get('Action');
        if (action && action !== 'GetCallerIdentity') iamActions.add(`iam:${action}`);
      },
    });
    await providers.moto.server.setAuth(0);
    samCalls.length = 0;

    const clients = {
      aws: createAwsClients({ endpoint: { iam: proxy.endpoint, sts: proxy.endpoint }, credentials: rotatorCredentials }),
      soracom: providers.soracom(),
    };
    const consumer = (userName: string, mode: 'update' | 'versioned'): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId: `${userName}-aws`, mode });
    const results = await withWorkers(env, clients, async () => {
      // the update-mode rotation cuts over on evidence (iam:GetAccessKeyLastUsed): Funnel uses its set while it checks
      const rotations = await Promise.all(
        (['update', 'versioned'] as const).map((mode) =>
          startRotation(env.client, {
            source: { kind: 'aws-iam-access-key', userName: `lp-${mode}`, accountId: ACCOUNT },
            consumers: [consumer(`lp-${mode}`, mode)],
            recoveryWindowDays: 7,
            pickupGraceSeconds: 0,
            ...(mode === 'update' ? { awaitUseSeconds: 600 } : {}),
          }),
        ),
      );
      const funnel = setInterval(() => {
        if (providers.setsHolding()['lp-update-aws'] !== oldKeys['lp-update']) providers.sandbox.useSet(OPERATOR, 'lp-update-aws');
      }, 500);
      // to the window, then delete-now, on the dev server: the time-skipping server intermittently failed two concurrent
      // rotations here with "Workflow execution timed out" (none is set) or skipped past the window before delete-now
      return await Promise.all(
        rotations.map(async (r) => {
          let status = await rotationStatus(env.client, r.workflowId);
          for (let i = 0; status.phase !== 'pending-deletion'; i++) {
            if (status.phase === 'failed' || i > 600) throw new Error(`${r.workflowId} did not park: ${status.phase} ${status.problem ?? ''}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
            status = await rotationStatus(env.client, r.workflowId);
          }
          await deleteNow(env.client, r.workflowId, status.oldCredentialId!);
          return await r.result();
        }),
      ).finally(() => clearInterval(funnel));
    });
    // the evidence was read under the shipped policy: IAM saw the new key only when the rotation verified it (before
    // the switch, so that is no evidence) and the old one never; the set's use after the switch was the evidence
    const use = results[0]!.use!;
    expect(use).toMatchObject({ old: { lastUsedAt: null }, new: { lastUsedAt: expect.any(String), service: 'sts' }, waitingFor: [] });
    expect(Date.parse(use.new!.lastUsedAt!)).toBeLessThan(Date.parse(use.quietAfter));
    expect(Date.parse(results[0]!.consumers[0]!.lastUsedAt!)).toBeGreaterThan(Date.parse(use.quietAfter));
    expect(results.map((r) => r.phase)).toEqual(['completed', 'completed']);

    // an action outside the policy is refused to the same principal
    const asRotator = new IAMClient({ region: 'us-east-1', endpoint: providers.moto.server.endpoint, credentials: rotatorCredentials, maxAttempts: 1 });
    for (const outside of [new ListUsersCommand({}), new CreateUserCommand({ UserName: 'backdoor' }), new AttachUserPolicyCommand({ UserName: 'credential-rotator', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })]) {
      await expect(asRotator.send(outside as Parameters<IAMClient['send']>[0])).rejects.toMatchObject({ name: 'AccessDenied' });
    }
    // …and so is a SORACOM API outside the SAM statements (the rotator's key listing its own user's AuthKeys)
    const session = (await (await fetch(`${providers.sandbox.endpoint}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(soracomAuth) })).json()) as { apiKey: string; token: string; operatorId: string };
    const outsideSam = await fetch(`${providers.sandbox.endpoint}/operators/${session.operatorId}/users/rotator/auth_keys`, { headers: { 'X-Soracom-API-Key': session.apiKey, 'X-Soracom-Token': session.token } });
    expect(outsideSam.status).toBe(403);
    expect(await outsideSam.json()).toMatchObject({ code: 'AUM0017' });
    samCalls.splice(samCalls.indexOf('User:listUserAuthKeys'), 1);

    // … every action granted was used, and every action used was granted
    const granted = iamPolicy.Statement.flatMap((s) => s.Action).sort();
    expect([...iamActions].sort()).toEqual(granted);
    const samGranted = samPermission.statements.flatMap((s) => s.api).sort();
    expect([...new Set(samCalls)].sort()).toEqual(samGranted);

    // the outcome at the providers: each user has only its new key, each consumer holds it
    await providers.moto.server.setAuth(Infinity);
    for (const [i, userName] of ['lp-update', 'lp-versioned'].entries()) {
      const keys = (await admin.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? [];
      expect(keys.map((k) => [k.AccessKeyId, k.Status])).toEqual([[results[i]!.newCredentialId, 'Active']]);
      expect(keys[0]!.AccessKeyId).not.toBe(oldKeys[userName]);
    }
    expect(Object.values(providers.setsHolding()).sort()).toEqual(results.map((r) => r.newCredentialId).sort());
    expect(providers.groupsNaming()).toEqual({ 'lp-sims': [results[1]!.consumers[0]!.credentialsId] });
  });
});
