/**
 * CSMS configuration as Huawei's SDKs define it too (huaweicloud-sdk-python-v3 core `auth/provider.py`
 * EnvCredentialProvider and `region/provider.py` EnvRegionProvider; the Node SDK's ClientBuilder): HUAWEICLOUD_SDK_AK /
 * _SK / _PROJECT_ID where the rotator's own variables are unset, HUAWEICLOUD_SDK_REGION_CSMS_<REGION> before the
 * built-in `kms.{region}.myhuaweicloud.com`; temporary and federated credentials refused by name.
 */
import { csmsConfigFromEnv, sdkRegionEndpointVariable } from '../../src/providers/csms/config';

const projectId = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const otherProject = 'f9e8d7c6b5a4938271605f4e3d2c1b0a';

function thrown(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('CSMS configuration: Huawei SDK conventions', () => {
  it("takes HUAWEICLOUD_SDK_AK / _SK / _PROJECT_ID when the rotator's own are unset", () => {
    const env = { CSMS_REGION: 'ap-southeast-1', HUAWEICLOUD_SDK_AK: 'SDK-AK', HUAWEICLOUD_SDK_SK: 'SDK-SK', HUAWEICLOUD_SDK_PROJECT_ID: projectId };
    expect(csmsConfigFromEnv(env)).toEqual({ endpoint: 'https://kms.ap-southeast-1.myhuaweicloud.com', region: 'ap-southeast-1', projectId, accessKey: 'SDK-AK', secretKey: 'SDK-SK' });
  });

  it("prefers the rotator's own variables, and never mixes a pair", () => {
    const sdk = { HUAWEICLOUD_SDK_AK: 'SDK-AK', HUAWEICLOUD_SDK_SK: 'SDK-SK', HUAWEICLOUD_SDK_PROJECT_ID: otherProject };
    expect(csmsConfigFromEnv({ ...sdk, CSMS_REGION: 'cn-north-4', CLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'SK', CSMS_PROJECT_ID: projectId })).toMatchObject({ accessKey: 'AK', secretKey: 'SK', projectId });
    const half = thrown(() => csmsConfigFromEnv({ ...sdk, CSMS_REGION: 'cn-north-4', CLOUD_SDK_AK: 'AK-VALUE' }));
    expect(half).toMatch(/CLOUD_SDK_SK is not set \(set CLOUD_SDK_AK and CLOUD_SDK_SK together; HUAWEICLOUD_SDK_AK \/ _SK are read only when neither is set\)/);
    expect(half).not.toMatch(/AK-VALUE|SDK-SK/);
  });

  it('takes the endpoint HUAWEICLOUD_SDK_REGION_CSMS_<REGION> gives for the region, after CSMS_ENDPOINT', () => {
    expect(sdkRegionEndpointVariable('cn-north-4')).toBe('HUAWEICLOUD_SDK_REGION_CSMS_CN_NORTH_4');
    const env = { CLOUD_SDK_AK: 'AK', CLOUD_SDK_SK: 'SK', CSMS_PROJECT_ID: projectId, CSMS_REGION: 'cn-north-4', HUAWEICLOUD_SDK_REGION_CSMS_CN_NORTH_4: 'https://kms.cn-north-4.example.internal/' };
    expect(csmsConfigFromEnv(env)).toMatchObject({ endpoint: 'https://kms.cn-north-4.example.internal', region: 'cn-north-4' });
    expect(csmsConfigFromEnv({ ...env, CSMS_ENDPOINT: 'http://127.0.0.1:5058' })).toMatchObject({ endpoint: 'http://127.0.0.1:5058' });
    // another region's variable is not this region's endpoint
    expect(csmsConfigFromEnv({ ...env, CSMS_REGION: 'ap-southeast-1' })).toMatchObject({ endpoint: 'https://kms.ap-southeast-1.myhuaweicloud.com' });
    expect(thrown(() => csmsConfigFromEnv({ ...env, HUAWEICLOUD_SDK_REGION_CSMS_CN_NORTH_4: 'kms.internal' }))).toMatch(/HUAWEICLOUD_SDK_REGION_CSMS_CN_NORTH_4 must be a URL/);
  });

  it('refuses temporary or federated SDK credentials by name instead of signing without their token', () => {
    const env = { CSMS_REGION: 'cn-north-4', HUAWEICLOUD_SDK_AK: 'SDK-AK', HUAWEICLOUD_SDK_SK: 'SDK-SK', HUAWEICLOUD_SDK_PROJECT_ID: projectId };
    expect(thrown(() => csmsConfigFromEnv({ ...env, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'sts-token-value' }))).toMatch(/HUAWEICLOUD_SDK_SECURITY_TOKEN set: temporary AK\/SK and federated login .* not supported/);
    expect(thrown(() => csmsConfigFromEnv({ ...env, HUAWEICLOUD_SDK_IDP_ID: 'idp', HUAWEICLOUD_SDK_ID_TOKEN_FILE: '/t' }))).toMatch(/HUAWEICLOUD_SDK_IDP_ID, HUAWEICLOUD_SDK_ID_TOKEN_FILE set/);
    expect(thrown(() => csmsConfigFromEnv({ ...env, HUAWEICLOUD_SDK_SECURITY_TOKEN: 'sts-token-value' }))).not.toContain('sts-token-value');
  });

  it("is still absent with only the SDK's variables: the rotator's own say that this worker serves CSMS", () => {
    expect(csmsConfigFromEnv({ HUAWEICLOUD_SDK_AK: 'SDK-AK', HUAWEICLOUD_SDK_SK: 'SDK-SK', HUAWEICLOUD_SDK_PROJECT_ID: projectId })).toBeUndefined();
  });

  it('names every variable that could give a missing setting', () => {
    expect(thrown(() => csmsConfigFromEnv({ CSMS_REGION: 'cn-north-4' }))).toBe(
      'CSMS configuration: CLOUD_SDK_AK is not set (nor HUAWEICLOUD_SDK_AK); CLOUD_SDK_SK is not set (nor HUAWEICLOUD_SDK_SK); CSMS_PROJECT_ID is not set (the IAM project id of the region, 32 characters; or HUAWEICLOUD_SDK_PROJECT_ID)',
    );
    expect(thrown(() => csmsConfigFromEnv({ CSMS_REGION: 'cn-north-4', HUAWEICLOUD_SDK_AK: 'A', HUAWEICLOUD_SDK_SK: 'S', HUAWEICLOUD_SDK_PROJECT_ID: 'short' }))).toMatch(/HUAWEICLOUD_SDK_PROJECT_ID must be the 32–64 character project id/);
  });
});
