/**
 * The CSMS client fed the shapes Huawei's API sends beyond its definitions: `null` for an absent time or list, fields
 * left out, fields the definitions do not name, an error body with a code and no message. What the rotator reads must
 * still be there; everything else must pass. A field the rotator needs that is missing still fails, naming the field.
 */
import { inspect } from 'node:util';
import { CsmsClient, SYSCURRENT } from '../../src/providers/csms/client';
import { ProviderError } from '../../src/providers/errors';
import { useCannedServer, type CannedAnswer, type CannedRequest } from '../support/canned-server';
import { projectId, rotatorKey } from './csms-sandbox';

async function failureOf(call: Promise<unknown>): Promise<ProviderError> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${inspect(err)}`);
  return err;
}

const secretPath = `/v1/${projectId}/secrets/app-aws`;

describe('CsmsClient reading what Huawei CSMS sends', () => {
  const serve = useCannedServer();

  async function csms(answer: (request: CannedRequest) => CannedAnswer): Promise<CsmsClient> {
    const server = await serve(answer);
    return new CsmsClient({ endpoint: server.url, region: 'cn-north-4', projectId, ...rotatorKey });
  }

  it('reads a secret with null and absent fields and fields the definitions do not name', async () => {
    const client = await csms(() => ({
      status: 200,
      body: { secret: { name: 'app-aws', state: 'ENABLED', scheduled_delete_time: null, kms_key_id: null, description: null, tags: [], enterprise_project_id: '0', event_subscriptions: null } },
    }));
    await expect(client.showSecret('app-aws')).resolves.toMatchObject({ name: 'app-aws', state: 'ENABLED' });
  });

  it('reads a pending secret whose deletion time is not a number as a secret with no deletion time', async () => {
    const client = await csms(() => ({ status: 200, body: { secret: { id: 'id-1', name: 'app-aws', state: 'PENDING_DELETE', scheduled_delete_time: '2026-09-01T00:00:00Z' } } }));
    const secret = await client.showSecret('app-aws');
    expect(secret).toMatchObject({ state: 'PENDING_DELETE' });
    expect(secret?.scheduled_delete_time).toBeUndefined();
  });

  it('reads versions and stages with null stages, times and names, and a null page_info', async () => {
    const metadata = { id: 'v2', secret_name: null, version_stages: null, create_time: null, expire_time: null, kms_key_id: 'k' };
    const client = await csms((r) => {
      if (r.url.startsWith(`${secretPath}/stages/`)) return { status: 200, body: { stage: { version_id: 'v2', update_time: null, secret_name: null } } };
      if (r.url.startsWith(`${secretPath}/versions?`)) return { status: 200, body: { version_metadatas: [metadata], page_info: null } };
      if (r.url === `${secretPath}/versions/v2`) return { status: 200, body: { version: { version_metadata: metadata, secret_string: '{"accessKeyId":"AKIA"}', secret_binary: null } } };
      if (r.url === `${secretPath}/versions` && r.method === 'POST') return { status: 200, body: { version_metadata: { ...metadata, version_stages: [SYSCURRENT] } } };
      return { status: 404, body: { error_code: 'CSMS.0005', error_msg: r.url } };
    });
    await expect(client.showSecretStage('app-aws', SYSCURRENT)).resolves.toMatchObject({ version_id: 'v2' });
    await expect(client.updateSecretStage('app-aws', SYSCURRENT, 'v2')).resolves.toMatchObject({ version_id: 'v2' });
    expect(await client.listSecretVersions('app-aws')).toEqual([expect.objectContaining({ id: 'v2', version_stages: [] })]);
    await expect(client.showSecretVersion('app-aws', 'v2')).resolves.toMatchObject({ version_metadata: { id: 'v2', version_stages: [] }, secret_string: '{"accessKeyId":"AKIA"}' });
    await expect(client.createSecretVersion('app-aws', '{"accessKeyId":"AKIA","secretAccessKey":"s3cret-value"}')).resolves.toMatchObject({ id: 'v2', version_stages: [SYSCURRENT] });
  });

  it('reads an error code that comes without a message: a missing secret is still a missing secret', async () => {
    const client = await csms(() => ({ status: 400, body: { error_code: 'CSMS.0005' } }));
    await expect(client.showSecret('app-aws')).resolves.toBeNull();
    await expect(client.showSecretStage('app-aws', SYSCURRENT)).resolves.toBeNull();
    const pending = await csms(() => ({ status: 400, body: { error_code: 'CSMS.0107', error_msg: null } }));
    expect(await failureOf(pending.showSecretVersion('app-aws', 'v1'))).toMatchObject({ type: 'CsmsSecretPendingDeletion', disposition: { kind: 'fail' } });
  });

  it.each([
    ['a secret without its state', { secret: { name: 'app-aws', state: null } }, (c: CsmsClient) => c.showSecret('app-aws'), 'secret.state'],
    ['a stage without its version', { stage: { name: SYSCURRENT, version_id: null } }, (c: CsmsClient) => c.showSecretStage('app-aws', SYSCURRENT), 'stage.version_id'],
    ['a version without its id', { version: { version_metadata: { version_stages: [] }, secret_string: 'leaked-secret-value' } }, (c: CsmsClient) => c.showSecretVersion('app-aws', 'v1'), 'version.version_metadata.id'],
  ] as const)('still fails, naming the field, on %s', async (_what, body, call, field) => {
    const client = await csms(() => ({ status: 200, body }));
    const err = await failureOf(call(client));
    expect(err).toMatchObject({ type: 'CsmsUnexpectedResponse', httpStatus: 200, disposition: { kind: 'fail' } });
    expect(err.message).toContain(`${field}: invalid_type`);
    expect(err.message).not.toContain('leaked-secret-value');
  });
});
