/**
 * What the Temporal UI shows of a rotation, for every kind of source: the whole history of a completed and of a
 * compensated rotation, decoded through our codec server exactly as the UI asks it to, names the subject and its
 * consumers and shows every new credential only as `sealed:<keyId>:…`, never a secret; and the workers, which hold
 * the seal key, still hand each consumer the real secret.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { SealedCredential } from '../../src/activities/source';
import type { CodecServer } from '../../src/codec/codec-server';
import { DEMO_SEAL_KEYS } from '../../src/codec/sealed-secrets';
import { startRotation } from '../../src/operations';
import type { ConsumerSpec, RotationRequestInput } from '../../src/rotation/model';
import { CLIENT_ID, deployBot, rotator } from '../providers/wallarm-sandbox';
import { historyAsUi, sealedValuesIn, secretsShown, startTestCodecServer, type HistoryAsUi } from '../support/history-as-ui';
import { failedStatus } from '../support/phases';
import { ACCOUNT, CSMS_PROJECT, OPERATOR, soracomAuth, testAwsCredentials, useProviders, withWorkers } from '../support/rotation-env';
import { createTimeSkippingEnv, testSealer } from '../support/temporal';
import { useWallarmProviders } from '../support/wallarm-env';

let env: TestWorkflowEnvironment;
let codec: CodecServer;
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  codec = await startTestCodecServer();
});
afterAll(async () => {
  await codec?.stop();
  await env?.teardown();
});

let serial = 0;
beforeEach(() => {
  serial++;
});
const named = (name: string) => `${name}-${serial}`;

const SEAL_KEY_ID = DEMO_SEAL_KEYS.split(':')[0]!;
const set = (credentialsId: string): ConsumerSpec => ({ kind: 'soracom-credentials-set', credentialsId, mode: 'update' });
const csms = (secretName: string): ConsumerSpec => ({ kind: 'csms-secret', secretName });
const request = (source: RotationRequestInput['source'], consumers: ConsumerSpec[]): RotationRequestInput => ({ source, consumers, recoveryWindowDays: 7, pickupGraceSeconds: 0 });

/** Every new credential the decoded history carries (objects with an id and a secret of sealed fields). */
function sealedCredentialsIn(value: unknown): SealedCredential[] {
  if (value === null || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (typeof v.id === 'string' && v.secret !== null && typeof v.secret === 'object' && Object.keys(v.secret).length > 0) return [v as unknown as SealedCredential];
  return Object.values(v).flatMap(sealedCredentialsIn);
}

/**
 * The checks every case shares: the page is really decoded (it names what it must), each secret field is sealed with
 * the workers' key, the sealed values open (with that key only) to the secrets the providers issued, and no secret
 * shows anywhere, stored or decoded.
 */
function expectSealedHistory(history: HistoryAsUi, { shows, minSealed, secrets, issued }: { shows: string[]; minSealed: number; secrets: string[]; issued: string[] }) {
  for (const text of shows) expect(history.decodedText).toContain(text);
  expect(secretsShown(history, secrets)).toEqual([]);
  const sealed = sealedValuesIn(history.decoded);
  expect(sealed.length).toBeGreaterThanOrEqual(minSealed);
  for (const value of sealed) expect(value).toMatch(new RegExp(`^sealed:${SEAL_KEY_ID}:[A-Za-z0-9_-]{20,}$`));
  const opened = sealedCredentialsIn(history.decoded).flatMap((c) => Object.values(testSealer.unseal(c).secret));
  expect(opened.length).toBeGreaterThanOrEqual(minSealed);
  for (const secret of opened) expect(issued).toContain(secret);
  expect(secretsShown(history, opened)).toEqual([]);
}

describe('a decoded history shows every step and never a secret', () => {
  describe('AWS IAM access key', () => {
    const providers = useProviders({ soracomDenies: (method, path) => method === 'PUT' && /-denied$/.test(path) });
    /** Every secret access key moto ever issued, deleted keys' included. */
    const motoSecrets = async () => {
      const dump = (await (await fetch(`${providers.moto.server.endpoint}/moto-api/data.json`)).json()) as { iam: { AccessKey: { access_key_id: string; secret_access_key: string }[] } };
      return new Map(dump.iam.AccessKey.map((k) => [k.access_key_id, k.secret_access_key]));
    };

    it('completed: into a SORACOM set and a CSMS secret', async () => {
      const user = named('sealed-aws');
      const { oldKeyId } = await providers.seedCsmsUser(user, `${user}-secret`);
      await providers.addSet(`${user}-set`, oldKeyId);
      const result = await withWorkers(env, providers.clients(), async () =>
        (await startRotation(env.client, request({ kind: 'aws-iam-access-key', userName: user, accountId: ACCOUNT }, [set(`${user}-set`), csms(`${user}-secret`)]))).result(),
      );
      expect(result.phase).toBe('completed');
      const secrets = await motoSecrets();
      const newSecret = secrets.get(result.newCredentialId!)!;
      // the workers opened the seal: each consumer holds the real secret of the new key
      const held = providers.sandbox.credentialsOf(OPERATOR).find((c) => c.credentialsId === `${user}-set`)!.credentials;
      expect(held).toEqual({ accessKeyId: result.newCredentialId, secretAccessKey: newSecret });
      const version = providers.csmsSandbox.secret(CSMS_PROJECT, `${user}-secret`)!;
      expect(JSON.parse(version.versions.get(version.stages.get('SYSCURRENT')!.versionId)!.secretString!)).toMatchObject({ secretAccessKey: newSecret });

      const history = await historyAsUi(env.client, result.rotationId, codec);
      // sealed: createCredential's result, verifyCredential's input, two putCredential inputs
      expectSealedHistory(history, { shows: [user, `${user}-set`, `${user}-secret`, result.newCredentialId!], minSealed: 4, secrets: [...secrets.values(), testAwsCredentials.secretAccessKey], issued: [...secrets.values()] });
    });

    it('compensated: the second consumer refuses the write', async () => {
      const user = named('sealed-aws-bad');
      const { oldKeyId } = await providers.seedCsmsUser(user, `${user}-secret`);
      await providers.addSet(`${user}-denied`, oldKeyId);
      const status = await withWorkers(env, providers.clients(), async () =>
        failedStatus(env.client, await startRotation(env.client, request({ kind: 'aws-iam-access-key', userName: user, accountId: ACCOUNT }, [csms(`${user}-secret`), set(`${user}-denied`)]))),
      );
      expect(status.timeline.map((t) => t.phase)).toContain('compensating');
      expect(await providers.keysOf(user)).toEqual([[oldKeyId, 'Active']]);
      const secrets = await motoSecrets();
      const history = await historyAsUi(env.client, status.rotationId, codec);
      expectSealedHistory(history, { shows: [user, `${user}-denied`, `${user}-secret`, 'SoracomPermissionDenied'], minSealed: 4, secrets: [...secrets.values()], issued: [...secrets.values()] });
    });
  });

  describe('Wallarm API token', () => {
    // when the consumer refuses the write, the new token still exists: that is when the test reads its secret
    let onRefusal = () => {};
    const p = useWallarmProviders(() => env, {
      soracomDenies: (method, path) => {
        const refused = method === 'PUT' && /-denied$/.test(path);
        if (refused) onRefusal();
        return refused;
      },
    });

    it.each([
      ['completed', 'wallarm-sealed'],
      ['compensated', 'wallarm-sealed-denied'],
    ])('%s', async (outcome, setId) => {
      const oldId = p.id(deployBot.tokenId);
      await p.addTokenSet(setId, oldId, deployBot.secret);
      const issued = new Set<string>();
      const collect = () => p.wallarm.tokensOf(CLIENT_ID).forEach((t) => issued.add(t.secret));
      onRefusal = collect;
      const rotationId = await withWorkers(env, p.clients(), async () => {
        const handle = await startRotation(env.client, request({ kind: 'wallarm-api-token', cloud: 'us1', tokenId: oldId }, [set(setId)]));
        if (outcome === 'completed') await handle.result();
        else expect((await failedStatus(env.client, handle)).problemType).toBe('SoracomPermissionDenied');
        return handle.workflowId;
      });
      collect();
      if (outcome === 'completed') expect(p.sets()[setId]!.token).not.toBe(deployBot.secret);
      const history = await historyAsUi(env.client, rotationId, codec);
      expectSealedHistory(history, { shows: [setId, 'deploy-bot'], minSealed: 3, secrets: [...issued, rotator.secret], issued: [...issued] });
    });
  });

  describe('SORACOM AuthKey', () => {
    const appKey = { authKeyId: 'keyId-sealed-app', authKey: 'secret-sealed-app-authkey-0000' };
    let deniedSecret = '';
    // when CSMS refuses the second write, the new AuthKey still exists: that is when the test reads its secret
    let onRefusal = () => {};
    const providers = useProviders({
      csmsDenies: (operation, name) => {
        const refused = operation === 'CreateSecretVersion' && name === deniedSecret;
        if (refused) onRefusal();
        return refused;
      },
      soracomSandbox: { operators: [{ operatorId: OPERATOR, users: [{ userName: 'rotator', authKeys: [soracomAuth] }, ...Array.from({ length: 10 }, (_, i) => ({ userName: `app-${i + 1}`, authKeys: [appKey] }))] }] },
    });

    it.each([['completed'], ['compensated']])('%s: into two CSMS secrets', async (outcome) => {
      const user = `app-${serial}`;
      const issued = new Set<string>([appKey.authKey]);
      const collect = () => providers.sandbox.authKeysOf(OPERATOR, user).forEach((k) => issued.add(k.authKey));
      onRefusal = collect;
      await providers.addCsmsSecret(`${user}-key`, JSON.stringify(appKey));
      await providers.addCsmsSecret(`${user}-backup`, JSON.stringify(appKey));
      deniedSecret = outcome === 'compensated' ? `${user}-backup` : '';
      const rotationId = await withWorkers(env, providers.clients(), async () => {
        const handle = await startRotation(env.client, request({ kind: 'soracom-auth-key', operatorId: OPERATOR, userName: user }, [csms(`${user}-key`), csms(`${user}-backup`)]));
        if (outcome === 'completed') await handle.result();
        else expect((await failedStatus(env.client, handle)).timeline.map((t) => t.phase)).toContain('compensating');
        return handle.workflowId;
      });
      collect();
      expect(issued.size).toBe(2); // the old key and the new one
      const history = await historyAsUi(env.client, rotationId, codec);
      expectSealedHistory(history, { shows: [user, `${user}-key`, `${user}-backup`], minSealed: 4, secrets: [...issued, soracomAuth.authKey], issued: [...issued] });
    });
  });
});
