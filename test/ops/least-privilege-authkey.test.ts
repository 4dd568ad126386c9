/**
 * Least privilege for the rotator rotating its own AuthKey: the SORACOM sandbox allows only what the shipped SAM
 * statements allow (deploy/soracom/rotator-sam-permission.json and rotator-sam-self-rotation.json, both on the
 * rotator's SAM user), each request named `Tag:operationId` from SORACOM's OpenAPI document, as SAM names them, and
 * the condition `pathVariable('user_name') == '…'` evaluated on the request's path.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { OpenAPIBackend } from 'openapi-backend';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import { SoracomClient } from '../../src/providers/soracom/client';
import type { RotationStatus } from '../../src/rotation/model';
import { OPERATOR, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv } from '../support/temporal';

const root = path.resolve(__dirname, '../..');
interface SamStatement {
  effect: 'allow' | 'deny';
  api: string[];
  condition?: string;
}
const statements = ['rotator-sam-permission.json', 'rotator-sam-self-rotation.json'].flatMap(
  (name) => (JSON.parse(readFileSync(path.join(root, 'deploy/soracom', name), 'utf8')) as { statements: SamStatement[] }).statements,
);
const rotatorUser = 'credential-rotator';
const rotatorKey = { authKeyId: 'keyId-credential-rotator-1', authKey: 'secret-credential-rotator-1' };
const otherKey = { authKeyId: 'keyId-other-user-1', authKey: 'secret-other-user-1' };

let env: TestWorkflowEnvironment;
let soracomSpec: OpenAPIBackend;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  soracomSpec = new OpenAPIBackend({ definition: path.resolve(root, '../shared/specs/soracom/soracom-api.en.yaml'), quick: true });
  await soracomSpec.init();
});
afterAll(async () => {
  await env?.teardown();
});

/** The SAM name of a request and its path variables, e.g. `GET /operators/OP…/users/x/auth_keys` → `User:listUserAuthKeys`, {user_name: x}. */
function samRequest(method: string, requestPath: string): { api: string; pathVariables: Record<string, string> } {
  const operation = soracomSpec.matchOperation({ method, path: requestPath, headers: {}, query: {} });
  if (!operation) throw new Error(`no SORACOM operation for ${method} ${requestPath}`);
  const names: string[] = [];
  const pattern = new RegExp(`^${operation.path.replace(/\{(\w+)\}/g, (_: string, name: string) => (names.push(name), '([^/]+)'))}$`);
  const values = pattern.exec(requestPath)?.slice(1) ?? [];
  return { api: `${operation.tags?.[0] ?? '?'}:${operation.operationId}`, pathVariables: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(values[i] ?? '')])) };
}

/** The one condition form the shipped statements use; anything else fails the test rather than being guessed. */
function conditionHolds(condition: string | undefined, pathVariables: Record<string, string>): boolean {
  if (condition === undefined) return true;
  const m = /^pathVariable\('(\w+)'\) == '([^']*)'$/.exec(condition.trim());
  if (!m) throw new Error(`condition not understood by this test: ${condition}`);
  return pathVariables[m[1]!] === m[2];
}

/** SAM's rule: an explicit deny wins, otherwise some allow must match (`*` is a wildcard in API names). */
function samAllows(api: string, pathVariables: Record<string, string>): boolean {
  const matches = (s: SamStatement) =>
    s.api.some((p) => new RegExp(`^${p.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(api)) && conditionHolds(s.condition, pathVariables);
  return !statements.some((s) => s.effect === 'deny' && matches(s)) && statements.some((s) => s.effect === 'allow' && matches(s));
}

describe('the rotator rotating its own AuthKey with exactly the shipped SAM statements', () => {
  const called: string[] = [];
  const denied: string[] = [];
  const providers = useProviders({
    soracomDenies: (method, requestPath) => {
      const { api, pathVariables } = samRequest(method, requestPath);
      called.push(api);
      const allowed = samAllows(api, pathVariables);
      if (!allowed) denied.push(`${api} ${JSON.stringify(pathVariables)}`);
      return !allowed;
    },
    soracomSandbox: {
      operators: [{ operatorId: OPERATOR, users: [{ userName: rotatorUser, authKeys: [rotatorKey] }, { userName: 'other-user', authKeys: [otherKey] }] }],
      revokeSessionsOnAuthKeyDelete: true,
    },
  });

  it('completes a self-rotation using every User API granted and nothing else, and is refused another user\'s keys', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lp-authkey-')), 'soracom-auth-key.json');
    writeFileSync(file, JSON.stringify(rotatorKey), { mode: 0o600 });
    const clients = { ...providers.clients(), soracom: new SoracomClient({ endpoint: providers.sandbox.endpoint, ...rotatorKey, authKeyFile: file }) };
    called.length = 0;

    const { done, refused } = await withWorkers(env, clients, async () => {
      const handle = await startRotation(env.client, { source: { kind: 'soracom-auth-key', operatorId: OPERATOR, userName: rotatorUser }, consumers: [{ kind: 'file', path: file }], recoveryWindowDays: 7, pickupGraceSeconds: 0 });
      let status: RotationStatus;
      for (;;) {
        status = await rotationStatus(env.client, handle.workflowId);
        if (status.phase === 'pending-deletion' || status.phase === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const done = await deleteNow(env.client, handle.workflowId, rotatorKey.authKeyId);
      const other = await startRotation(env.client, { source: { kind: 'soracom-auth-key', operatorId: OPERATOR, userName: 'other-user' }, consumers: [{ kind: 'file', path: file }], recoveryWindowDays: 7, pickupGraceSeconds: 0 });
      await expect(other.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      return { done, refused: await rotationStatus(env.client, other.workflowId) };
    });

    expect(done.phase).toBe('completed');
    expect(providers.sandbox.authKeysOf(OPERATOR, rotatorUser).map((k) => k.authKeyId)).toEqual([done.newCredentialId]);
    const granted = statements.filter((s) => s.api.every((a) => a.startsWith('User:'))).flatMap((s) => s.api).sort();
    const usedForRotation = [...new Set(called.filter((a) => a.startsWith('User:')))].sort();
    expect(usedForRotation).toEqual(granted);
    expect(denied).toEqual([`User:listUserAuthKeys {"operator_id":"${OPERATOR}","user_name":"other-user"}`]);
    expect(refused.timeline.map((t) => t.phase)).toEqual(['preflight', 'failed']);
    expect(refused.problemType).toBe('SoracomPermissionDenied');
    expect(refused.problem).toMatch(/AUM0017.*User:listUserAuthKeys/);
    expect(providers.sandbox.authKeysOf(OPERATOR, 'other-user').map((k) => k.authKeyId)).toEqual([otherKey.authKeyId]);
  });
});
