/**
 * The determinism guard for 30-day rotations: every committed history (one per shape a rotation can take,
 * recorded by `npm run fixtures:record`) must replay against the current workflow code, and must hold no secret
 * in clear. A change that would break in-flight rotations fails here; the way to make it safely is `patched()`,
 * shown in patching.test.ts on a real edit of the workflow source.
 */
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { testDataConverter, workflowBundle } from '../support/temporal';
import { decryptedSecrets, isEncrypted, isPlainByDesign, leakedForms, payloadsIn } from './history-payloads';
import { committedHistories, REACHES_DELETING, SHAPES, type RecordedHistory } from './shapes';

const histories = committedHistories();
const byShape = (shape: string) => histories.find((h) => h.shape === shape)!;
const replay = (bundle: WorkflowBundleWithSourceMap, h: RecordedHistory) =>
  Worker.runReplayHistory({ workflowBundle: bundle, dataConverter: testDataConverter, replayName: `replay-${h.shape}` }, h.history, `fixture-${h.shape}`);

describe('committed workflow histories', () => {
  it('hold one history per shape a rotation can end in', () => {
    expect(histories.map((h) => h.shape).sort()).toEqual([...SHAPES].sort());
    for (const shape of REACHES_DELETING) expect(byShape(shape).text).toContain('"name": "destroyCredential"');
  });

  it.each([...SHAPES])('%s replays against the current workflow code', async (shape) => {
    await replay(await workflowBundle(require.resolve('../../src/workflows')), byShape(shape));
  });

  it.each([...SHAPES])('%s holds no secret in clear: every payload but search attributes and patch markers is encrypted', async (shape) => {
    const h = byShape(shape);
    const payloads = payloadsIn(h.history);
    expect(payloads.filter((p) => !isEncrypted(p) && !isPlainByDesign(p))).toEqual([]);
    expect(payloads.filter(isEncrypted).length).toBeGreaterThan(0);
    // failure messages and stacks travel in the encrypted encoded attributes
    for (const m of h.text.matchAll(/"message": "([^"]*)"/g)) expect(m[1]).toBe('Encoded failure');
    expect(h.text).not.toMatch(/"stackTrace": "[^"]/);
    // the secrets the history carries, found by decrypting it, appear nowhere in the file in clear or base64
    const secrets = await decryptedSecrets(h.history);
    if (shape !== 'failed') expect(secrets.length).toBeGreaterThan(0); // control: the new key's secret is carried, encrypted
    for (const secret of secrets) for (const form of leakedForms(secret)) expect(h.text).not.toContain(form);
  });
});
