/**
 * The rotator's AWS clients leave the SDK its own conventions: the default credential chain (AWS_PROFILE, static keys
 * or role assumption through a profile) and its region order (AWS_REGION, then the profile's `region`). A region the
 * rotator fixed itself would sign a profile of aws-cn or aws-us-gov in us-east-1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { callerIdentity } from '../../src/providers/aws-iam/access-keys';
import { createAwsClients } from '../../src/providers/aws-iam/clients';
import { useCannedServer } from '../support/canned-server';

const AWS_VARIABLES = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_IAM'];

let dir: string;
let saved: Record<string, string | undefined>;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'aws-config-'));
  saved = Object.fromEntries(AWS_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of AWS_VARIABLES) delete process.env[name];
  // files of this test only: never the machine's ~/.aws
  process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

let written = 0;
/** New files each time: the SDK caches a file it has parsed, by path. */
const files = (config: string, credentials = '') => {
  written += 1;
  process.env.AWS_CONFIG_FILE = path.join(dir, `config-${written}`);
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, `credentials-${written}`);
  writeFileSync(process.env.AWS_CONFIG_FILE, config);
  writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE, credentials);
};

describe('AWS clients and the SDK’s own conventions', () => {
  it("take the region of the AWS_PROFILE profile, as the SDK does, instead of us-east-1", async () => {
    files('[profile china]\nregion = cn-north-1\n');
    process.env.AWS_PROFILE = 'china';
    const aws = createAwsClients();
    expect(await aws.iam.config.region()).toBe('cn-north-1');
    expect(await aws.sts.config.region()).toBe('cn-north-1');
  });

  it('keep the SDK’s order: the constructor, AWS_REGION, the profile; then AWS_DEFAULT_REGION, then us-east-1', async () => {
    files('[default]\nregion = eu-west-1\n');
    expect(await createAwsClients().iam.config.region()).toBe('eu-west-1');
    process.env.AWS_REGION = 'ap-northeast-1';
    expect(await createAwsClients().iam.config.region()).toBe('ap-northeast-1');
    expect(await createAwsClients({ region: 'us-west-2' }).iam.config.region()).toBe('us-west-2');
    delete process.env.AWS_REGION;
    files('[default]\noutput = json\n');
    process.env.AWS_DEFAULT_REGION = 'sa-east-1';
    expect(await createAwsClients().iam.config.region()).toBe('sa-east-1');
    delete process.env.AWS_DEFAULT_REGION;
    expect(await createAwsClients().iam.config.region()).toBe('us-east-1');
  });

  it('take the credentials of the AWS_PROFILE profile from the default chain', async () => {
    files('[profile rotator]\nregion = us-east-1\n', '[rotator]\naws_access_key_id = AKIAPROFILE000000001\naws_secret_access_key = profile-secret-access-key-000000000000000\n');
    process.env.AWS_PROFILE = 'rotator';
    const credentials = await createAwsClients().sts.config.credentials();
    expect(credentials.accessKeyId).toBe('AKIAPROFILE000000001');
  });

  const serve = useCannedServer();

  it('assume the role a profile names (role_arn, source_profile) and sign with the role’s session', async () => {
    const roleKey = 'ASIAROLESESSION00001';
    const sts = await serve((request) => {
      const action = new URLSearchParams(request.body).get('Action');
      const ns = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"';
      if (action === 'AssumeRole') {
        const expiry = new Date(Date.now() + 3600_000).toISOString();
        return { status: 200, headers: { 'Content-Type': 'text/xml' }, body: `<AssumeRoleResponse ${ns}><AssumeRoleResult><Credentials><AccessKeyId>${roleKey}</AccessKeyId><SecretAccessKey>role-secret-access-key-00000000000000000</SecretAccessKey><SessionToken>role-session-token</SessionToken><Expiration>${expiry}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/rotator/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>` };
      }
      return { status: 200, headers: { 'Content-Type': 'text/xml' }, body: `<GetCallerIdentityResponse ${ns}><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/rotator/s</Arn><UserId>AROA:s</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>` };
    });
    files(
      `[profile base]\nregion = us-east-1\n[profile rotator]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/rotator\nsource_profile = base\nendpoint_url = ${sts.url}\n`,
      '[base]\naws_access_key_id = AKIABASE000000000001\naws_secret_access_key = base-secret-access-key-00000000000000000\n',
    );
    process.env.AWS_PROFILE = 'rotator';
    await expect(callerIdentity(createAwsClients())).resolves.toEqual({ arn: 'arn:aws:sts::123456789012:assumed-role/rotator/s', account: '123456789012' });
    const signedBy = sts.requests.map((r) => `${new URLSearchParams(r.body).get('Action')} ${/Credential=(\w+)\//.exec(String(r.headers.authorization))?.[1]}`);
    expect(signedBy).toEqual(['AssumeRole AKIABASE000000000001', `GetCallerIdentity ${roleKey}`]);
  });
});
