/**
 * Rotating the codec key mid-rotation: a rotation started while key A was primary, continued by workers whose
 * primary is key B (A kept after it), completes, and every payload of its history decodes — A's and B's.
 * Rotating the seal key mid-rotation: a new credential sealed under seal key A, registered by workers whose ring is
 * B,A, reaches its consumer intact; so does one a worker from before sealing wrote in clear.
 * On the dev server: the time-skipping server never moves a workflow task off a stopped worker's sticky queue.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { rotatorDataConverter } from '../../src/codec/data-converter';
import { EncryptionCodec, KEY_ID_METADATA } from '../../src/codec/encryption-codec';
import { parseKeyRing } from '../../src/codec/key-ring';
import { SEAL_KEY_VARIABLES, SecretSealer } from '../../src/codec/sealed-secrets';
import type { SealedCredential } from '../../src/activities/source';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import { createWorkers, runWorkers } from '../../src/worker';
import { ACCOUNT, useProviders } from '../support/rotation-env';
import { createDevServerEnv, testDataConverter, testSealer, workflowBundle } from '../support/temporal';
import { startFaultProxy } from '../support/fault-proxy';
import { historyAsUi, sealedValuesIn, startTestCodecServer } from '../support/history-as-ui';
import { OPERATOR } from '../support/rotation-env';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createDevServerEnv();
});
afterAll(async () => {
  await env?.teardown();
});

const keyA = `key-a:${randomBytes(32).toString('base64')}`;
const keyB = `key-b:${randomBytes(32).toString('base64')}`;
const ringA = parseKeyRing(keyA);
const ringBA = parseKeyRing(`${keyB},${keyA}`);

/**
 * Every payload in a history (inputs, results, failures' encoded attributes, update arguments, UI summary and details),
 * except the two kinds Temporal never passes through a codec: search attributes (public by design) and the SDK's
 * patch markers (the patch's name).
 */
function payloadsIn(value: unknown, out: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object') return out;
  const v = value as Record<string, unknown>;
  if (v.metadata && typeof v.metadata === 'object' && 'data' in v) {
    out.push(v as Payload);
    return out;
  }
  for (const [key, child] of Object.entries(v)) if (key !== 'searchAttributes' && key !== 'patch-data') payloadsIn(child, out);
  return out;
}

describe('codec key rotation while a rotation waits in its window', () => {
  const providers = useProviders();

  it('starts under key A, finishes under key B, and every payload decodes with the ring B,A', async () => {
    const { oldKeyId } = await providers.seedUser('codec-switch', 'codec-switch-set');
    const bundle = await workflowBundle(require.resolve('../../src/workflows'));
    const clientOf = (ring: typeof ringA) => new Client({ connection: env.connection, dataConverter: rotatorDataConverter(ring) });
    const withRing = async <T>(ring: typeof ringA, body: (client: Client) => Promise<T>): Promise<T> => {
      const workers: Worker[] = await createWorkers({ connection: env.nativeConnection, clients: providers.clients(), dataConverter: rotatorDataConverter(ring), sealer: testSealer, workflowBundle: bundle });
      const running = runWorkers(workers);
      try {
        return await body(clientOf(ring));
      } finally {
        workers.forEach((w) => w.shutdown());
        await running;
      }
    };
    const request = { source: { kind: 'aws-iam-access-key' as const, userName: 'codec-switch', accountId: ACCOUNT }, consumers: [{ kind: 'soracom-credentials-set' as const, credentialsId: 'codec-switch-set', mode: 'update' as const }], recoveryWindowDays: 7, pickupGraceSeconds: 0 };

    // key A is primary: the rotation runs to its window
    const rotationId = await withRing(ringA, async (client) => {
      const handle = await startRotation(client, request);
      for (let i = 0; (await rotationStatus(client, handle.workflowId)).phase !== 'pending-deletion'; i++) {
        if (i > 300) throw new Error('rotation did not reach pending-deletion');
        await new Promise((r) => setTimeout(r, 100));
      }
      return handle.workflowId;
    });

    // the operator rotates the codec key (B first, A kept); new workers and CLI finish the rotation
    const result = await withRing(ringBA, async (client) => {
      await deleteNow(client, rotationId, oldKeyId);
      return await client.workflow.getHandle(rotationId).result();
    });
    expect(result).toMatchObject({ phase: 'completed', oldCredentialId: oldKeyId });

    const history = await clientOf(ringBA).workflow.getHandle(rotationId).fetchHistory();
    const payloads = payloadsIn(history.events);
    const keyIds = payloads.map((p) => Buffer.from(p.metadata?.[KEY_ID_METADATA] ?? []).toString());
    expect(new Set(keyIds)).toEqual(new Set(['key-a', 'key-b']));
    // the ring B,A decodes all of it; A alone cannot read what B wrote (so B really was used)
    await expect(new EncryptionCodec(ringBA).decode(payloads)).resolves.toHaveLength(payloads.length);
    const writtenUnderB = payloads.filter((_, i) => keyIds[i] === 'key-b');
    await expect(new EncryptionCodec(ringA).decode(writtenUnderB)).rejects.toThrow(/key-b/);
  });
});

describe('seal key rotation between creating and registering', () => {
  const providers = useProviders();
  const sealA = `seal-a:${randomBytes(32).toString('base64')}`;
  const sealB = `seal-b:${randomBytes(32).toString('base64')}`;
  /** the workers of the release before sealing: their activities pass secrets through as they are */
  const beforeSealing = { seal: (c: unknown) => c, unseal: (c: unknown) => c } as unknown as SecretSealer;

  it.each([
    ['sealed under seal key A', 'seal-switch', sealA],
    ['written in clear by a worker from before sealing', 'seal-legacy', undefined],
  ])('a new credential %s is registered by workers holding B,A', async (_, user, firstRing) => {
    const { oldKeyId } = await providers.seedUser(user, `${user}-set`);
    const bundle = await workflowBundle(require.resolve('../../src/workflows'));
    // SORACOM answers every write with 503 until the workers are switched: the rotation waits in registering
    const soracom = await startFaultProxy({ upstream: providers.sandbox.endpoint, flavor: 'soracom' });
    soracom.addRule({ match: { method: 'PUT', path: '/credentials/' }, fault: { kind: 'status', status: 503 } });
    const withSealer = async <T>(sealer: SecretSealer, body: () => Promise<T>): Promise<T> => {
      const workers: Worker[] = await createWorkers({ connection: env.nativeConnection, clients: providers.clients({ soracomEndpoint: soracom.endpoint }), dataConverter: testDataConverter, sealer, workflowBundle: bundle });
      const running = runWorkers(workers);
      try {
        return await body();
      } finally {
        workers.forEach((w) => w.shutdown());
        await running;
      }
    };
    const sealerOf = (spec: string) => new SecretSealer(parseKeyRing(spec, SEAL_KEY_VARIABLES));
    try {
      const request = { source: { kind: 'aws-iam-access-key' as const, userName: user, accountId: ACCOUNT }, consumers: [{ kind: 'soracom-credentials-set' as const, credentialsId: `${user}-set`, mode: 'update' as const }], recoveryWindowDays: 7, pickupGraceSeconds: 0 };
      const rotationId = await withSealer(firstRing ? sealerOf(firstRing) : beforeSealing, async () => {
        const handle = await startRotation(env.client, request);
        for (let i = 0; soracom.callsTo({ method: 'PUT' }).length === 0; i++) {
          if (i > 600) throw new Error('the rotation never tried to register the new key');
          await new Promise((r) => setTimeout(r, 100));
        }
        expect((await rotationStatus(env.client, handle.workflowId)).phase).toBe('registering');
        return handle.workflowId;
      });

      // the operator rotates the seal key (B first, A kept), or deploys sealing: the new workers register the key
      soracom.clearRules();
      const result = await withSealer(sealerOf(`${sealB},${sealA}`), async () => {
        for (let i = 0; (await rotationStatus(env.client, rotationId)).phase !== 'pending-deletion'; i++) {
          if (i > 600) throw new Error('rotation did not reach pending-deletion');
          await new Promise((r) => setTimeout(r, 100));
        }
        await deleteNow(env.client, rotationId, oldKeyId);
        return await env.client.workflow.getHandle(rotationId).result();
      });
      expect(result).toMatchObject({ phase: 'completed', oldCredentialId: oldKeyId });
      const dump = (await (await fetch(`${providers.moto.server.endpoint}/moto-api/data.json`)).json()) as { iam: { AccessKey: { access_key_id: string; secret_access_key: string }[] } };
      const newSecret = dump.iam.AccessKey.find((k) => k.access_key_id === result.newCredentialId)!.secret_access_key;
      expect(providers.sandbox.credentialsOf(OPERATOR).find((c) => c.credentialsId === `${user}-set`)!.credentials).toEqual({ accessKeyId: result.newCredentialId, secretAccessKey: newSecret });

      const codec = await startTestCodecServer();
      try {
        const sealed = sealedValuesIn((await historyAsUi(env.client, rotationId, codec)).decoded);
        if (!firstRing) {
          expect(sealed).toEqual([]); // the old worker wrote the secret in clear: that history is what this case replays
          return;
        }
        // the history holds only A's seals; B alone cannot open them, so A's key really was needed
        expect(sealed.length).toBeGreaterThanOrEqual(3);
        for (const value of sealed) expect(value).toMatch(/^sealed:seal-a:/);
        const created = { id: result.newCredentialId!, createdAt: '', secret: { secretAccessKey: sealed[0] } } as SealedCredential;
        expect(() => sealerOf(sealB).unseal(created)).toThrow(/seal key 'seal-a'/);
        expect(sealerOf(`${sealB},${sealA}`).unseal(created).secret.secretAccessKey).toBe(newSecret);
      } finally {
        await codec.stop();
      }
    } finally {
      await soracom.stop();
    }
  });
});
