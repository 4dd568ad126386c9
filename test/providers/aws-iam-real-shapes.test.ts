/**
 * The IAM/STS reading of the rotator fed answers moto never gives: an access key `Expired` (a status IAM's API has
 * beside Active and Inactive), elements IAM does not document, and answers missing a field the rotator needs, as an
 * emulator or a proxy in front of AWS may send. An unknown element passes; a missing needed field fails, naming it,
 * instead of being read as an empty string, "Active" or the epoch.
 */
import { inspect } from 'node:util';
import { callerIdentity, iamUser, listAccessKeys } from '../../src/providers/aws-iam/access-keys';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import { ProviderError } from '../../src/providers/errors';
import { useCannedServer } from '../support/canned-server';

async function failureOf(call: Promise<unknown>): Promise<ProviderError> {
  const err: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${inspect(err)}`);
  return err;
}

const xml = (action: string, result: string, ns = 'https://iam.amazonaws.com/doc/2010-05-08/') =>
  `<${action}Response xmlns="${ns}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></${action}Response>`;
const member = (fields: Record<string, string>) => `<member>${Object.entries(fields).map(([k, v]) => `<${k}>${v}</${k}>`).join('')}</member>`;
const key = { UserName: 'funnel', AccessKeyId: 'AKIAEXAMPLE000000001', Status: 'Active', CreateDate: '2026-01-01T00:00:00Z' };

describe('IAM and STS answers beyond what moto sends', () => {
  const serve = useCannedServer();

  /** AWS clients whose IAM and STS both answer `action → XML result` from a canned server. */
  async function aws(results: Record<string, string>) {
    const server = await serve((request) => {
      const action = new URLSearchParams(request.body).get('Action') ?? '';
      const ns = action === 'GetCallerIdentity' ? 'https://sts.amazonaws.com/doc/2011-06-15/' : undefined;
      return results[action] === undefined ? { status: 400, body: '<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>' } : { status: 200, body: xml(action, results[action], ns), headers: { 'Content-Type': 'text/xml' } };
    });
    return createAwsClients({ region: 'us-east-1', endpoint: { iam: server.url, sts: server.url }, credentials: { accessKeyId: 'AKIAROTATOR000000001', secretAccessKey: 'rotator-secret-access-key-0000000000000' } });
  }

  it('reads an Expired key as not Active, and passes elements IAM does not document', async () => {
    const clients = await aws({
      ListAccessKeys: `<AccessKeyMetadata>${member({ ...key, AccessKeyId: 'AKIAEXPIRED000000001', Status: 'Expired', CreateDate: '2025-01-01T00:00:00Z', SomethingNew: 'x' })}${member(key)}</AccessKeyMetadata><IsTruncated>false</IsTruncated><Unknown>1</Unknown>`,
    });
    expect(await listAccessKeys(clients, 'funnel')).toEqual([
      { id: 'AKIAEXPIRED000000001', status: 'Inactive', createdAt: '2025-01-01T00:00:00.000Z' },
      { id: 'AKIAEXAMPLE000000001', status: 'Active', createdAt: '2026-01-01T00:00:00.000Z' },
    ]);
  });

  it.each(['AccessKeyId', 'Status', 'CreateDate'])('fails, naming it, on an access key listed without its %s', async (field) => {
    const { [field as keyof typeof key]: _left, ...rest } = key;
    const clients = await aws({ ListAccessKeys: `<AccessKeyMetadata>${member(rest)}</AccessKeyMetadata><IsTruncated>false</IsTruncated>` });
    const err = await failureOf(listAccessKeys(clients, 'funnel'));
    expect(err).toMatchObject({ provider: 'aws-iam', type: 'IamUnexpectedResponse', disposition: { kind: 'fail' } });
    expect(err.message).toContain(`iam:ListAccessKeys funnel`);
    expect(err.message).toContain(`AccessKeyMetadata[0].${field}`);
  });

  it('fails, naming it, on a caller identity without its account or ARN', async () => {
    const noAccount = await aws({ GetCallerIdentity: '<Arn>arn:aws:iam::123456789012:user/rotator</Arn><UserId>AIDA</UserId>' });
    const err = await failureOf(callerIdentity(noAccount));
    expect(err).toMatchObject({ type: 'IamUnexpectedResponse', disposition: { kind: 'fail' } });
    expect(err.message).toContain('sts:GetCallerIdentity');
    expect(err.message).toContain('Account');
    const noArn = await aws({ GetCallerIdentity: '<UserId>AIDA</UserId><Account>123456789012</Account>' });
    expect((await failureOf(callerIdentity(noArn))).message).toContain('Arn');
    const both = await aws({ GetCallerIdentity: '<Arn>arn:aws:iam::123456789012:user/rotator</Arn><Account>123456789012</Account><Extra>1</Extra>' });
    await expect(callerIdentity(both)).resolves.toEqual({ arn: 'arn:aws:iam::123456789012:user/rotator', account: '123456789012' });
  });

  it("fails, naming it, on a user without its ARN; a user without a path is at '/'", async () => {
    const noArn = await aws({ GetUser: '<User><UserName>funnel</UserName><UserId>AIDA</UserId></User>' });
    const err = await failureOf(iamUser(noArn, 'funnel'));
    expect(err).toMatchObject({ type: 'IamUnexpectedResponse' });
    expect(err.message).toContain('User.Arn');
    const noPath = await aws({ GetUser: '<User><UserName>funnel</UserName><Arn>arn:aws:iam::123456789012:user/funnel</Arn><Tags/></User>' });
    await expect(iamUser(noPath, 'funnel')).resolves.toEqual({ arn: 'arn:aws:iam::123456789012:user/funnel', path: '/' });
  });
});
