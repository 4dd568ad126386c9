/**
 * The file consumer on a real file system (Temporal's activity test environment supplies the activity context):
 * atomic replacement (a concurrent reader never sees a partial file, no temporary file is left), mode 0600 whatever
 * the umask, the previous content kept beside it for rollback, idempotent retries, refusals before any change.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFileActivities, previousPath } from '../../src/activities/file';
import type { ConsumerPlan, RestorePoint } from '../../src/activities/consumer';
import type { NewCredential } from '../../src/activities/source';
import { replaceAtomically } from '../../src/providers/file/json-file';
import type { ConsumerSpec, SourceSpec } from '../../src/rotation/model';

// every file of these tests lives under the OS temp directory (the scope itself: test/unit/worker-scope.test.ts)
const files = createFileActivities({ dirs: [tmpdir()] });
const activity = new MockActivityEnvironment();
const run = <A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => activity.run(fn, ...args);

const source: SourceSpec = { kind: 'soracom-auth-key', operatorId: 'OP0012345678', userName: 'credential-rotator' };
const oldKey = { authKeyId: 'keyId-old', authKey: 'secret-old-0000' };
const credential: NewCredential = { id: 'keyId-new', createdAt: '2026-01-01T00:00:00.000Z', secret: { authKey: 'secret-new-0000' } };

function setUp(content: unknown = oldKey, mode = 0o600): { file: string; consumer: ConsumerSpec } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'file-consumer-')), 'soracom-auth-key.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content), { mode });
  return { file, consumer: { kind: 'file', path: file } };
}
const json = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
const modeOf = (file: string) => statSync(file).mode & 0o777;
const plan = (consumer: ConsumerSpec, from: SourceSpec = source): Promise<ConsumerPlan> => run(files.planConsumer, { consumer, source: from, today: '20260101' });
const put = (consumer: ConsumerSpec, file: string, what = credential) => run(files.putCredential, { consumer, source, targetCredentialsId: file, credential: what });
const rollBack = (consumer: ConsumerSpec, file: string, restorePoint: RestorePoint) =>
  run(files.rollBackConsumer, { consumer, credentialsId: file, restorePoint, newCredentialId: credential.id });

describe('file consumer', () => {
  it('replaces the file with the new key (other fields kept), mode 0600, the previous content beside it at 0600, nothing else left', async () => {
    const { file, consumer } = setUp({ ...oldKey, endpoint: 'https://g.api.soracom.io/v1' }, 0o640);
    const planned = await plan(consumer);
    expect(planned).toEqual({ credentialsId: file, exists: true, holds: 'keyId-old', targetCredentialsId: file, restorePoint: { holds: 'keyId-old', copy: previousPath(file) } });
    const reading = await put(consumer, file);
    expect(reading).toEqual({ credentialsId: file, exists: true, holds: 'keyId-new' });
    expect(json(file)).toEqual({ authKeyId: 'keyId-new', authKey: 'secret-new-0000', endpoint: 'https://g.api.soracom.io/v1' });
    expect(modeOf(file)).toBe(0o600);
    expect(json(previousPath(file))).toEqual({ ...oldKey, endpoint: 'https://g.api.soracom.io/v1' });
    expect(modeOf(previousPath(file))).toBe(0o600);
    expect(readdirSync(path.dirname(file)).sort()).toEqual(['soracom-auth-key.json', 'soracom-auth-key.json.previous']);
  });

  it('writes 0600 whatever the umask', async () => {
    const { file, consumer } = setUp();
    const before = process.umask(0o000);
    try {
      await put(consumer, file);
    } finally {
      process.umask(before);
    }
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(previousPath(file))).toBe(0o600);
  });

  it('a retry after a lost answer does not copy the new key over the previous one', async () => {
    const { file, consumer } = setUp();
    await put(consumer, file);
    await put(consumer, file);
    expect(json(previousPath(file))).toEqual(oldKey);
    expect(json(file)).toMatchObject({ authKeyId: 'keyId-new' });
  });

  it('a reader polling the file during 200 replacements only ever sees a whole old or new file', async () => {
    const { file } = setUp();
    const contents = [JSON.stringify({ ...oldKey, pad: 'o'.repeat(64 * 1024) }), JSON.stringify({ authKeyId: 'keyId-new', authKey: 'n', pad: 'n'.repeat(64 * 1024) })];
    let writing = true;
    const seen = new Set<string>();
    const reader = (async () => {
      let reads = 0;
      while (writing || reads === 0) {
        const text = await readFile(file, 'utf8');
        seen.add((JSON.parse(text) as { authKeyId: string }).authKeyId); // a torn read would not parse
        reads++;
      }
      return reads;
    })();
    for (let i = 0; i < 200; i++) await replaceAtomically(file, contents[i % 2]!);
    writing = false;
    expect(await reader).toBeGreaterThan(0);
    expect([...seen].every((id) => id === 'keyId-old' || id === 'keyId-new')).toBe(true);
    expect(readdirSync(path.dirname(file))).toEqual(['soracom-auth-key.json']);
  });

  it('rolls back from the copy; leaves alone a file that no longer holds the new key; refuses a copy that is not the restore point', async () => {
    const { file, consumer } = setUp();
    const { restorePoint } = await plan(consumer);
    await put(consumer, file);
    const back = await rollBack(consumer, file, restorePoint!);
    expect(back).toMatchObject({ outcome: 'rolled-back', holds: 'keyId-old', detail: `put back from ${previousPath(file)} (holds keyId-old)` });
    expect(json(file)).toEqual(oldKey);
    expect(modeOf(file)).toBe(0o600);

    // someone else wrote another key meanwhile: never overwritten
    writeFileSync(file, JSON.stringify({ authKeyId: 'keyId-someone-else', authKey: 'x' }));
    expect(await rollBack(consumer, file, restorePoint!)).toMatchObject({ outcome: 'untouched', holds: 'keyId-someone-else' });
    expect(json(file)).toMatchObject({ authKeyId: 'keyId-someone-else' });

    // the copy was replaced by something else: the new key stays where it is, and the failure says why
    await put(consumer, file);
    writeFileSync(previousPath(file), JSON.stringify({ authKeyId: 'keyId-unrelated', authKey: 'y' }));
    await expect(rollBack(consumer, file, restorePoint!)).rejects.toMatchObject({ type: 'FileCannotRollBack', nonRetryable: true });
    expect(json(file)).toMatchObject({ authKeyId: 'keyId-new' });
  });

  it('refuses before any change: a missing file, another credential\'s JSON, text, a symbolic link, a Wallarm token, a missing directory', async () => {
    const refusal = async (consumer: ConsumerSpec, type: string, message: RegExp, from: SourceSpec = source) => {
      await expect(plan(consumer, from)).rejects.toMatchObject({ type, nonRetryable: true, message: expect.stringMatching(message) });
    };
    const { file } = setUp();
    const dir = path.dirname(file);
    await refusal({ kind: 'file', path: path.join(dir, 'absent.json') }, 'FileMissing', /absent.json does not exist on this worker/);
    const aws = setUp({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 's' });
    await refusal(aws.consumer, 'FileFormat', /is not a JSON object with "authKeyId" \(it has "accessKeyId"/);
    await refusal(setUp('keyId-old secret-old').consumer, 'FileFormat', /is not a JSON object with "authKeyId"/);
    const link = path.join(dir, 'link.json');
    symlinkSync(file, link);
    await refusal({ kind: 'file', path: link }, 'FileIsSymlink', /is a symbolic link/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    await refusal({ kind: 'file', path: file }, 'IncompatibleConsumer', /cannot hold a wallarm-api-token/, { kind: 'wallarm-api-token', cloud: 'eu', tokenId: 1 });
    await refusal({ kind: 'file', path: path.join(dir, 'no-such-dir', 'k.json') }, 'FileMissing', /does not exist/);
    // an AWS access key goes into a file of its own shape
    expect((await plan(aws.consumer, { kind: 'aws-iam-access-key', userName: 'u', accountId: '123456789012' })).holds).toBe('AKIAEXAMPLE');
    expect(readdirSync(dir).sort()).toEqual(['link.json', 'soracom-auth-key.json']);
  });

  it('in the default scope (only the worker\'s own key file): plans, writes and rolls back that file, with its copy beside it; refuses the file next to it', async () => {
    const { file, consumer } = setUp();
    const own = createFileActivities({ ownKeyFile: file });
    const { restorePoint } = await run(own.planConsumer, { consumer, source, today: '20260101' });
    await run(own.putCredential, { consumer, source, targetCredentialsId: file, credential });
    expect(json(file)).toMatchObject({ authKeyId: 'keyId-new' });
    expect(await run(own.rollBackConsumer, { consumer, credentialsId: file, restorePoint: restorePoint!, newCredentialId: credential.id })).toMatchObject({ outcome: 'rolled-back' });
    expect(json(file)).toEqual(oldKey);

    const beside = path.join(path.dirname(file), 'other.json');
    writeFileSync(beside, JSON.stringify(oldKey), { mode: 0o600 });
    const other: ConsumerSpec = { kind: 'file', path: beside };
    for (const call of [
      () => run(own.planConsumer, { consumer: other, source, today: '20260101' }),
      () => run(own.putCredential, { consumer: other, source, targetCredentialsId: beside, credential }),
      () => run(own.readConsumer, { consumer: other, credentialsId: beside }),
      // a restore point naming another file to copy from: its content would end up in the key file
      () => run(own.rollBackConsumer, { consumer, credentialsId: file, restorePoint: { holds: 'keyId-old', copy: beside }, newCredentialId: credential.id }),
    ]) {
      await expect(call()).rejects.toMatchObject({ type: 'OutOfScope', nonRetryable: true, message: expect.stringMatching(/other\.json is not this worker's own SORACOM key file/) });
    }
    expect(json(beside)).toEqual(oldKey);
  });

  it('a write into a missing directory fails with the path and a hint, never the content', async () => {
    const file = path.join(tmpdir(), `no-such-dir-${process.pid}`, 'k.json');
    await expect(replaceAtomically(file, JSON.stringify(oldKey))).rejects.toMatchObject({
      type: 'FileNotWritable',
      disposition: { kind: 'fail' },
      message: expect.stringMatching(/^writing .*k\.json failed \(ENOENT\): the directory does not exist on this worker/),
    });
  });
});
