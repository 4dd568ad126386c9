import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { SYSCURRENT, SYSPREVIOUS } from '../../src/providers/csms/client';
import { SecretResponse, StageResponse, VersionMetadataResponse, VersionResponse, VersionsResponse } from '../../src/providers/csms/schemas';
import { bodyText, signRequest } from '../../src/providers/csms/signer';
import { awsValue, projectId, rotatorKey, useCsmsSandbox } from '../providers/csms-sandbox';
import { startRecordingProxy, type RecordedCall, type RecordingProxy } from './recording-proxy';

/**
 * Huawei's API Explorer definitions of CSMS (one Swagger-2.0-like JSON per operation, shared/specs/csms/ beside the
 * checkout) judge both sides of the wire: every request our client sends and every answer our sandbox gives.
 *
 * Quirks of the definitions, handled here and nowhere else:
 * - int64 timestamps carry `"maximum": 13` (meant as 13 digits): dropped;
 * - `scheduled_delete_time` is typed integer but documented as null when no deletion is scheduled: null allowed;
 * - `state` has `maxLength: 8`, yet its own list of values includes PENDING_DELETE (14): the length is dropped;
 * - `kms_key_id` must be a dashed UUID, yet every example shows 32 hex digits: both forms are allowed;
 * - `X-Auth-Token` is marked required, yet the docs say it is optional with AK/SK signing: either must be present;
 * - DeleteSecretForSchedule's body and its `recovery_window_in_days` are marked required, yet the field defaults to 30
 *   and Huawei's SDK sends no body when given none: both may be left out;
 * - parameter patterns are unanchored (`v[0-9]{1,10}|latest`), as JSON Schema patterns are.
 */
const specDir = path.resolve(__dirname, '../../../shared/specs/csms/api-explorer');
const DAY_MS = 86_400_000;

interface Parameter {
  in: 'header' | 'path' | 'query' | 'body';
  name: string;
  required?: boolean;
  pattern?: string;
  type?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  schema?: object;
}
interface Operation {
  operationId: string;
  parameters: Parameter[];
  responses: Record<string, { schema?: object; examples?: Record<string, unknown> }>;
}
interface OperationSpec {
  name: string;
  method: string;
  template: string;
  pattern: RegExp;
  operation: Operation;
  definitions: Record<string, object>;
}

const OPERATIONS = [
  'CreateSecret',
  'ShowSecret',
  'DeleteSecret',
  'CreateSecretVersion',
  'ListSecretVersions',
  'ShowSecretVersion',
  'ShowSecretStage',
  'UpdateSecretStage',
  'DeleteSecretStage',
  'DeleteSecretForSchedule',
  'RestoreSecret',
  'UpdateVersion',
  'UpdateSecret',
] as const;

function loadOperation(name: string): OperationSpec {
  const file = JSON.parse(fs.readFileSync(path.join(specDir, `${name}.json`), 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
    definitions: Record<string, object>;
  };
  const [template, methods] = Object.entries(file.paths)[0]!;
  const [method, operation] = Object.entries(methods)[0]!;
  const pattern = new RegExp(`^${template.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`);
  return { name, method: method.toUpperCase(), template, pattern, operation, definitions: withoutQuirks(file.definitions) as Record<string, object> };
}

/** Applies the quirk list of the header comment, and nothing else. */
function withoutQuirks(node: unknown, key?: string): unknown {
  if (Array.isArray(node)) return node.map((n) => withoutQuirks(n));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'maximum' && v === 13 && (node as { format?: string }).format === 'int64') continue;
    if (k === 'maxLength' && key === 'state') continue;
    out[k] = withoutQuirks(v, k);
  }
  if (key === 'scheduled_delete_time') out.type = ['integer', 'null'];
  if (key === 'DeleteSecretForScheduleRequestBody') delete out.required;
  if (key === 'kms_key_id' && typeof out.pattern === 'string') out.pattern = `${out.pattern}|^[0-9a-f]{32}$`;
  return out;
}

describe('CSMS client and sandbox against the API Explorer definitions', () => {
  const operations = OPERATIONS.map(loadOperation);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const compiled = new Map<string, ValidateFunction>();
  const validator = (spec: OperationSpec, key: string, schema: object) => {
    const id = `${spec.name} ${key}`;
    if (!compiled.has(id)) compiled.set(id, ajv.compile({ ...(withoutQuirks(schema) as object), definitions: spec.definitions }));
    return compiled.get(id)!;
  };

  const startSandbox = useCsmsSandbox();
  let proxy: RecordingProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  async function recorded(options: Parameters<typeof startSandbox>[0] = {}) {
    const test = await startSandbox(options);
    // the client signs the host it sends to, so the proxy must pass Host through unchanged
    proxy = await startRecordingProxy(test.sandbox.endpoint, { preserveHost: true });
    return { ...test, proxy, csms: test.client({ endpoint: proxy.endpoint }) };
  }

  /** A request of our own making through the proxy, signed (or not, or wrongly), for what the client never sends. */
  const sender =
    (endpoint: string) =>
    (method: string, pathname: string, body?: object, auth: 'signed' | 'none' | 'wrong' = 'signed') => {
      const url = `${endpoint}/v1/${projectId}${pathname}`;
      const headers =
        auth === 'none'
          ? { 'Content-Type': 'application/json;charset=UTF-8' }
          : signRequest(
              { method, url, headers: { 'Content-Type': 'application/json;charset=UTF-8' }, ...(body === undefined ? {} : { body }) },
              auth === 'wrong' ? { ...rotatorKey, secretKey: 'wrong' } : rotatorKey,
              new Date(),
            );
      return fetch(url, { method, headers, body: bodyText(body) });
    };

  function operationOf(call: RecordedCall): { spec: OperationSpec; params: Record<string, string> } {
    for (const spec of operations) {
      const match = spec.pattern.exec(call.path);
      if (match !== null && spec.method === call.method) return { spec, params: Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)])) };
    }
    throw new Error(`${call.method} ${call.path} is not an operation of the definitions`);
  }

  function expectRequestMatchesSpec(call: RecordedCall): void {
    const { spec, params } = operationOf(call);
    const problems: string[] = [];
    for (const p of spec.operation.parameters) {
      if (p.in === 'body') {
        if (p.required && call.body === undefined && spec.name !== 'DeleteSecretForSchedule') problems.push('body missing');
        else if (call.body !== undefined && p.schema !== undefined) {
          const validate = validator(spec, 'request', p.schema);
          if (!validate(call.body)) problems.push(...(validate.errors ?? []).map((e) => `body${e.instancePath} ${e.message ?? ''}`));
        }
        continue;
      }
      if (p.in === 'header') {
        // X-Auth-Token, or an AK/SK signature (the docs: the token is optional with AK/SK authentication)
        const signed = String(call.headers.authorization ?? '').startsWith('SDK-HMAC-SHA256 ');
        if (p.required && call.headers[p.name.toLowerCase()] === undefined && !(p.name === 'X-Auth-Token' && signed)) problems.push(`header ${p.name} missing`);
        continue;
      }
      const value = p.in === 'path' ? params[p.name] : call.query[p.name];
      if (value === undefined) {
        if (p.required) problems.push(`${p.in} ${p.name} missing`);
        continue;
      }
      if (p.pattern !== undefined && !new RegExp(p.pattern).test(value)) problems.push(`${p.in} ${p.name} does not match ${p.pattern}`);
      if (p.type === 'integer') {
        const n = Number(value);
        if (!Number.isInteger(n) || (p.minimum !== undefined && n < p.minimum) || (p.maximum !== undefined && n > p.maximum)) problems.push(`${p.in} ${p.name} out of range`);
      } else if ((p.minLength !== undefined && value.length < p.minLength) || (p.maxLength !== undefined && value.length > p.maxLength)) {
        problems.push(`${p.in} ${p.name} length ${value.length}`);
      }
    }
    expect({ request: `${spec.name} ${call.method} ${call.path}`, problems }).toEqual({ request: `${spec.name} ${call.method} ${call.path}`, problems: [] });
  }

  /** Validates the answer; returns `Operation status` when the definitions do not document that status. */
  function expectResponseMatchesSpec(call: RecordedCall): string | undefined {
    const { spec } = operationOf(call);
    const label = `${spec.name} ${call.status}`;
    const documented = spec.operation.responses[String(call.status)];
    if (call.status >= 400) expect({ label, body: call.responseBody }).toEqual({ label, body: expect.objectContaining({ error_code: expect.any(String), error_msg: expect.any(String) }) });
    if (documented === undefined) return label;
    if (documented.schema === undefined) {
      expect({ label, body: call.responseBody }).toEqual({ label, body: undefined });
      return undefined;
    }
    const validate = validator(spec, String(call.status), documented.schema);
    validate(call.responseBody);
    expect({ label, errors: validate.errors ?? [] }).toEqual({ label, errors: [] });
    return undefined;
  }

  it('every example in the definitions validates against its own schema (the validator and its quirk list are sound)', () => {
    for (const spec of operations) {
      for (const [status, response] of Object.entries(spec.operation.responses)) {
        const example = response.examples?.['application/json'];
        if (example === undefined || response.schema === undefined) continue;
        const validate = validator(spec, status, response.schema);
        validate(example);
        expect({ example: `${spec.name} ${status}`, errors: validate.errors ?? [] }).toEqual({ example: `${spec.name} ${status}`, errors: [] });
      }
    }
  });

  it('the client’s response schemas accept every 200 example of the definitions', () => {
    const schemaOf: Record<string, { safeParse(v: unknown): { success: boolean } }> = {
      CreateSecret: SecretResponse,
      ShowSecret: SecretResponse,
      DeleteSecretForSchedule: SecretResponse,
      RestoreSecret: SecretResponse,
      UpdateSecret: SecretResponse,
      CreateSecretVersion: VersionMetadataResponse,
      UpdateVersion: VersionMetadataResponse,
      ListSecretVersions: VersionsResponse,
      ShowSecretVersion: VersionResponse,
      ShowSecretStage: StageResponse,
      UpdateSecretStage: StageResponse,
    };
    for (const [name, schema] of Object.entries(schemaOf)) {
      const example = operations.find((o) => o.name === name)!.operation.responses['200']!.examples!['application/json'];
      expect({ name, parsed: schema.safeParse(example).success }).toEqual({ name, parsed: true });
    }
  });

  it('every request the client sends, and every answer, follows the definitions', async () => {
    const { csms, proxy, clock } = await recorded();

    await csms.createSecret('app-aws', awsValue('AKIAOLD', 'old-secret'), 'Funnel to S3');
    await csms.showSecret('app-aws');
    await csms.createSecretVersion('app-aws', awsValue('AKIANEW', 'new-secret'));
    await csms.listSecretVersions('app-aws');
    await csms.showSecretVersion('app-aws', 'v2');
    await csms.showSecretVersion('app-aws', 'latest');
    await csms.showSecretStage('app-aws', SYSCURRENT);
    await csms.showSecretStage('app-aws', SYSPREVIOUS);
    await csms.updateSecretStage('app-aws', SYSCURRENT, 'v1');
    await expect(csms.showSecretVersion('app-aws', 'v9')).rejects.toMatchObject({ httpStatus: 400 });
    await expect(csms.showSecret('no-such-secret')).resolves.toBeNull();
    await csms.scheduleDeletion('app-aws', 7);
    await expect(csms.showSecretVersion('app-aws', 'v1')).rejects.toMatchObject({ type: 'CsmsSecretPendingDeletion' });
    await csms.cancelDeletion('app-aws');
    await csms.cancelDeletion('app-aws');
    await expect(csms.showSecret('app-aws')).resolves.toMatchObject({ state: 'ENABLED' });
    clock.advance(60_000);
    await expect(csms.createSecretVersion('app-aws', awsValue('AKIA3', 's3'), ['SYSCURRENT', 'CUSTOM'])).resolves.toMatchObject({ id: 'v3' });

    const names = new Set(proxy.calls.map((call) => operationOf(call).spec.name));
    expect([...names].sort()).toEqual(
      ['CreateSecret', 'CreateSecretVersion', 'DeleteSecretForSchedule', 'ListSecretVersions', 'RestoreSecret', 'ShowSecret', 'ShowSecretStage', 'ShowSecretVersion', 'UpdateSecretStage'].sort(),
    );
    proxy.calls.forEach(expectRequestMatchesSpec);
    const undocumented = proxy.calls.map(expectResponseMatchesSpec).filter((label) => label !== undefined);
    expect(undocumented).toEqual([]);
  });

  it('the sandbox refuses what the definitions forbid, with their error body, before any change', async () => {
    const { sandbox, proxy } = await recorded({ requestsPerSecond: 50 });
    sandbox.seedSecret(projectId, 'app-aws', { secretString: awsValue('AKIAOLD', 'old-secret') });
    const send = sender(proxy.endpoint);
    const expectError = async (response: Promise<Response>, status: number, code: string) => {
      const answer = await response;
      expect({ status: answer.status, body: (await answer.json()) as unknown }).toEqual({ status, body: expect.objectContaining({ error_code: code }) });
    };

    await expectError(send('POST', '/secrets', { name: 'bad.name', secret_string: 'x' }), 400, 'CSMS.0002');
    await expectError(send('POST', '/secrets', { name: 'two-values', secret_string: 'x', secret_binary: 'eA==' }), 400, 'CSMS.0002');
    await expectError(send('POST', '/secrets/app-aws/versions', { secret_string: 'x', version_stages: Array.from({ length: 13 }, (_, i) => `S${i}`) }), 400, 'CSMS.0002');
    await expectError(send('POST', '/secrets/app-aws/scheduled-deleted-tasks/create', { recovery_window_in_days: 31 }), 400, 'CSMS.0002');
    await expectError(send('POST', '/secrets/app-aws/scheduled-deleted-tasks/create', { recovery_window_in_days: 6 }), 400, 'CSMS.0002');
    await expectError(send('GET', '/secrets/app-aws/versions/NO_SUCH_STAGE'), 400, 'CSMS.0005');
    await expectError(send('PUT', '/secrets/app-aws/versions/v1', {}), 400, 'CSMS.0002');
    await expectError(send('PUT', '/secrets/app-aws', { description: 'x'.repeat(2049) }), 400, 'CSMS.0002');
    await expectError(send('PUT', '/secrets/app-aws/stages/SYSCURRENT', { version_id: 'v7' }), 400, 'CSMS.0005');
    await expectError(send('DELETE', '/secrets/app-aws/stages/SYSCURRENT'), 400, 'CSMS.0105');
    await expectError(send('POST', '/secrets/app-aws/scheduled-deleted-tasks/cancel'), 400, 'CSMS.0108');
    await expectError(send('GET', '/secrets/app-aws', undefined, 'none'), 401, 'APIGW.0301');
    await expectError(send('GET', '/secrets/app-aws', undefined, 'wrong'), 401, 'APIGW.0301');
    expect((await send('DELETE', '/secrets/app-aws')).status).toBe(200);
    await expectError(send('GET', '/secrets/app-aws'), 400, 'CSMS.0106');

    proxy.calls.forEach((call) => expectResponseMatchesSpec(call));
    // nothing was half-done: the refused version and stage requests changed nothing before the delete
    expect(sandbox.exchanges().filter((e) => e.status === 200).map((e) => e.operation)).toEqual(['DeleteSecret']);
  });

  it('serves what Huawei’s SDK sends: stage names as version ids, a scheduled deletion with no body (30 days), UpdateVersion and UpdateSecret', async () => {
    const { csms, proxy, clock } = await recorded();
    await csms.createSecret('app-aws', awsValue('AKIAOLD', 'old-secret'));
    await csms.createSecretVersion('app-aws', awsValue('AKIANEW', 'new-secret'));
    await csms.updateSecretStage('app-aws', 'APPROVED', 'v1');
    const send = sender(proxy.endpoint);
    const answer = async (response: Promise<Response>) => {
      const r = await response;
      return { status: r.status, body: (await r.json()) as unknown };
    };
    const version = (id: string, value: string) => ({
      status: 200,
      body: { version: { secret_string: value, version_metadata: expect.objectContaining({ id }) as unknown } },
    });
    const expireTime = clock.now() + 90 * DAY_MS;
    const secret = (fields: object) => ({ status: 200, body: { secret: expect.objectContaining(fields) as unknown } });

    // ShowSecretVersion: a stage name, system or custom, stands for the version that holds it
    expect(await answer(send('GET', '/secrets/app-aws/versions/SYSCURRENT'))).toEqual(version('v2', awsValue('AKIANEW', 'new-secret')));
    expect(await answer(send('GET', '/secrets/app-aws/versions/SYSPREVIOUS'))).toEqual(version('v1', awsValue('AKIAOLD', 'old-secret')));
    expect(await answer(send('GET', '/secrets/app-aws/versions/APPROVED'))).toEqual(version('v1', awsValue('AKIAOLD', 'old-secret')));
    // UpdateVersion, by id and by stage name
    expect(await answer(send('PUT', '/secrets/app-aws/versions/v2', { expire_time: expireTime }))).toEqual({
      status: 200,
      body: { version_metadata: expect.objectContaining({ id: 'v2', expire_time: expireTime, version_stages: ['SYSCURRENT'] }) },
    });
    expect(await answer(send('PUT', '/secrets/app-aws/versions/SYSPREVIOUS', { expire_time: expireTime + 1000 }))).toEqual({
      status: 200,
      body: { version_metadata: expect.objectContaining({ id: 'v1', expire_time: expireTime + 1000 }) },
    });
    // UpdateSecret: metadata only
    expect(await answer(send('PUT', '/secrets/app-aws', { description: 'rotated', kms_key_id: '0d0466b0-e727-4d9c-b35d-f84bb474a37f' }))).toEqual(
      secret({ name: 'app-aws', description: 'rotated', kms_key_id: '0d0466b0-e727-4d9c-b35d-f84bb474a37f', state: 'ENABLED' }),
    );
    await expect(csms.showSecretVersion('app-aws', 'SYSCURRENT')).resolves.toMatchObject({ secret_string: awsValue('AKIANEW', 'new-secret') });
    // DeleteSecretForSchedule without a body, and with an empty one: the documented default of 30 days
    expect(await answer(send('POST', '/secrets/app-aws/scheduled-deleted-tasks/create'))).toEqual(secret({ state: 'PENDING_DELETE', scheduled_delete_time: clock.now() + 30 * DAY_MS }));
    // pending deletion: no metadata or version update
    expect(await answer(send('PUT', '/secrets/app-aws', { description: 'late' }))).toEqual({ status: 400, body: expect.objectContaining({ error_code: 'CSMS.0107' }) });
    expect(await answer(send('PUT', '/secrets/app-aws/versions/v2', { expire_time: expireTime }))).toEqual({ status: 400, body: expect.objectContaining({ error_code: 'CSMS.0107' }) });
    await csms.cancelDeletion('app-aws');
    expect(await answer(send('POST', '/secrets/app-aws/scheduled-deleted-tasks/create', {}))).toEqual(secret({ state: 'PENDING_DELETE', scheduled_delete_time: clock.now() + 30 * DAY_MS }));

    proxy.calls.forEach(expectRequestMatchesSpec);
    const undocumented = proxy.calls.map(expectResponseMatchesSpec).filter((label) => label !== undefined);
    expect(undocumented).toEqual([]);
    expect(new Set(proxy.calls.map((call) => operationOf(call).spec.name))).toEqual(
      new Set(['CreateSecret', 'CreateSecretVersion', 'UpdateSecretStage', 'ShowSecretVersion', 'UpdateVersion', 'UpdateSecret', 'DeleteSecretForSchedule', 'RestoreSecret']),
    );
  });
});
