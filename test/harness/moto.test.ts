import { CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, ListAccessKeysCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { useMoto } from '../support/moto';

describe('moto_server (real IAM/STS emulator)', () => {
  const moto = useMoto();

  it('creates a user and an access key that STS identifies as that user', async () => {
    const iam = moto.iam();
    await iam.send(new CreateUserCommand({ UserName: 'funnel-writer' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'funnel-writer' }));
    expect(AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(AccessKey?.SecretAccessKey).toHaveLength(40);

    const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'funnel-writer' }));
    expect(keys.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([[AccessKey!.AccessKeyId, 'Active']]);

    const sts = moto.sts({ accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! });
    const who = await sts.send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:iam::123456789012:user/funnel-writer');
    expect(who.Account).toBe('123456789012');
  });

  it('is empty again after /moto-api/reset', async () => {
    // beforeEach reset ran: the user from the previous test is gone
    const users = await moto.iam().send(new ListUsersCommand({}));
    expect(users.Users ?? []).toEqual([]);
  });

  it('rejects a deleted key with InvalidClientTokenId once IAM authentication is on', async () => {
    const iam = moto.iam();
    await iam.send(new CreateUserCommand({ UserName: 'svc' }));
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'svc' }));
    const credentials = { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'svc', AccessKeyId: credentials.accessKeyId }));

    await moto.server.setAuth(0);
    await expect(moto.sts(credentials).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
  });
});
