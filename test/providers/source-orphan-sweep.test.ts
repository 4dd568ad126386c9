/**
 * Each source's createCredential runs the shared orphan sweep (src/activities/source-kit.ts) with its own listing,
 * creation times and typed refusal. A credential that appeared since preflight is deleted when it was created after
 * notBefore − 60 s (the orphan of a lost answer); one created before that is someone else's and is refused, untouched.
 */
import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAwsIamActivities } from '../../src/activities/aws-iam';
import { createSoracomAuthKeyActivities } from '../../src/activities/soracom-auth-key';
import { createWallarmActivities } from '../../src/activities/wallarm';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import type { SourceSpec } from '../../src/rotation/model';
import { testAwsCredentials, useMoto } from '../support/moto';
import { operatorId, rotator as soracomRotator, useSoracomSandbox } from './soracom-sandbox';
import { CLIENT_ID, deployBot, rotator as wallarmRotator, useWallarmSandbox } from './wallarm-sandbox';

// the refusals are expected: keep the activity's failure logs out of the test output
const activity = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
const run = <R>(fn: () => Promise<R>): Promise<R> => activity.run(fn);
const iso = (ms: number) => new Date(ms).toISOString();

describe('the orphan sweep in each source', () => {
  describe('Wallarm API tokens', () => {
    const start = useWallarmSandbox();
    const source: SourceSpec = { kind: 'wallarm-api-token', cloud: 'us1', tokenId: deployBot.tokenId };

    /** A token named like deploy-bot, made at the sandbox's present, as a lost answer or another admin would. */
    const setUp = async () => {
      const wallarm = await start();
      const other = await wallarm.client().createToken({ client_id: CLIENT_ID, realname: deployBot.realname, user_id: wallarmRotator.userId, enabled: true, expire_at: null, permissions: ['deploy'] });
      const activities = createWallarmActivities(wallarm.client(), { now: wallarm.clock.now });
      const create = (notBefore: number) => run(() => activities.createCredential({ source, knownIds: [String(deployBot.tokenId)], notBefore: iso(notBefore) }));
      return { wallarm, other, create };
    };

    it('deletes a token created within the tolerance of notBefore, then creates one', async () => {
      const { wallarm, other, create } = await setUp();
      const created = await create(wallarm.clock.ms + 60_000);
      expect(wallarm.sandbox.token(other.id)).toBeUndefined();
      expect(wallarm.sandbox.token(created.id)).toBeDefined();
    });

    it('refuses, as WallarmUnexpectedToken, a token created earlier, and leaves it', async () => {
      const { wallarm, other, create } = await setUp();
      await expect(create(wallarm.clock.ms + 60_001)).rejects.toMatchObject({ type: 'WallarmUnexpectedToken', nonRetryable: true });
      expect(wallarm.sandbox.token(other.id)).toBeDefined();
      expect(wallarm.sandbox.tokensOf(CLIENT_ID).filter((t) => t.realname === deployBot.realname)).toHaveLength(2);
    });
  });

  describe('SORACOM AuthKeys', () => {
    const start = useSoracomSandbox();
    const userName = soracomRotator.userName;
    const source: SourceSpec = { kind: 'soracom-auth-key', operatorId, userName };

    const setUp = async () => {
      const soracom = await start();
      const client = soracom.client();
      // createDateTime is in whole seconds: start the clock on one
      soracom.clock.ms = Math.floor(soracom.clock.ms / 1000) * 1000;
      const other = await client.createUserAuthKey(userName);
      const activities = createSoracomAuthKeyActivities(client);
      const create = (notBefore: number) => run(() => activities.createCredential({ source, knownIds: [soracomRotator.authKeyId], notBefore: iso(notBefore) }));
      const keyIds = () => soracom.sandbox.authKeysOf(operatorId, userName).map((k) => k.authKeyId);
      return { soracom, other, create, keyIds };
    };

    it('deletes a key generated within the tolerance of notBefore, then generates one', async () => {
      const { soracom, other, create, keyIds } = await setUp();
      const created = await create(soracom.clock.ms + 60_000);
      expect(keyIds().sort()).toEqual([created.id, soracomRotator.authKeyId].sort());
      expect(keyIds()).not.toContain(other.authKeyId);
    });

    it('refuses, as SoracomUnexpectedAuthKey, a key generated earlier, and leaves it', async () => {
      const { soracom, other, create, keyIds } = await setUp();
      await expect(create(soracom.clock.ms + 60_001)).rejects.toMatchObject({ type: 'SoracomUnexpectedAuthKey', nonRetryable: true });
      expect(keyIds().sort()).toEqual([other.authKeyId, soracomRotator.authKeyId].sort());
    });
  });

  describe('AWS IAM access keys', () => {
    const moto = useMoto();
    const userName = 'funnel-writer';
    const source: SourceSpec = { kind: 'aws-iam-access-key', accountId: '123456789012', userName };

    const setUp = async () => {
      const iam = moto.iam();
      await iam.send(new CreateUserCommand({ UserName: userName }));
      const known = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
      const other = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
      const aws = createAwsClients({ endpoint: { iam: moto.server.endpoint, sts: moto.server.endpoint }, credentials: testAwsCredentials });
      const activities = createAwsIamActivities(aws, {});
      const create = (notBefore: number) => run(() => activities.createCredential({ source, knownIds: [known.AccessKeyId!], notBefore: iso(notBefore) }));
      const keyIds = async () => ((await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []).map((k) => k.AccessKeyId);
      // IAM's CreateDate, as the sweep reads it back
      const createdAt = ((await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata ?? []).find((k) => k.AccessKeyId === other.AccessKeyId)!.CreateDate!.getTime();
      return { known, other, create, keyIds, createdAt };
    };

    it('deletes a key created within the tolerance of notBefore, then creates one', async () => {
      const { known, other, create, keyIds, createdAt } = await setUp();
      const created = await create(createdAt + 60_000);
      expect(await keyIds()).not.toContain(other.AccessKeyId);
      expect((await keyIds()).sort()).toEqual([created.id, known.AccessKeyId].sort());
    });

    it('refuses, as IamUnexpectedKey, a key created earlier, and leaves it', async () => {
      const { known, other, create, keyIds, createdAt } = await setUp();
      await expect(create(createdAt + 60_001)).rejects.toMatchObject({ type: 'IamUnexpectedKey', nonRetryable: true });
      expect((await keyIds()).sort()).toEqual([known.AccessKeyId, other.AccessKeyId].sort());
    });
  });
});
