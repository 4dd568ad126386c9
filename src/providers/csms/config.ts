import { z } from 'zod';

/** Where and as whom the rotator calls CSMS. */
export interface CsmsConfig {
  /** `https://kms.{region}.myhuaweicloud.com` (CSMS is served from the KMS endpoint), no trailing slash */
  readonly endpoint: string;
  readonly region: string;
  readonly projectId: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

/** The rotator's own CSMS variables: any of them set means this worker serves CSMS consumers. */
export const CSMS_ENV = ['CLOUD_SDK_AK', 'CLOUD_SDK_SK', 'CSMS_REGION', 'CSMS_PROJECT_ID', 'CSMS_ENDPOINT'] as const;

/**
 * Huawei's SDKs' own variables (huaweicloud-sdk-python-v3 `EnvCredentialProvider`, `EnvRegionProvider`; the Node SDK's
 * `ClientBuilder`), read where the rotator's are unset.
 */
export const HUAWEI_SDK_ENV = {
  accessKey: 'HUAWEICLOUD_SDK_AK',
  secretKey: 'HUAWEICLOUD_SDK_SK',
  projectId: 'HUAWEICLOUD_SDK_PROJECT_ID',
  /** temporary AK/SK and federated login: not supported, refused rather than ignored */
  unsupported: ['HUAWEICLOUD_SDK_SECURITY_TOKEN', 'HUAWEICLOUD_SDK_IDP_ID', 'HUAWEICLOUD_SDK_ID_TOKEN_FILE'],
} as const;

/** `HUAWEICLOUD_SDK_REGION_CSMS_CN_NORTH_4`: the SDKs' endpoint for a service in a region, before their built-in one. */
export const sdkRegionEndpointVariable = (region: string) => `HUAWEICLOUD_SDK_REGION_CSMS_${region.replace(/-/g, '_').toUpperCase()}`;

// e.g. cn-north-4, ap-southeast-1, la-south-2
const Region = z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+$/, { error: 'CSMS_REGION must be a Huawei Cloud region id such as cn-north-4 or ap-southeast-1' });
// the API Explorer definitions: a project id of 32–64 characters
const ProjectId = (name: string) => z.string().regex(/^[A-Za-z0-9-]{32,64}$/, { error: `${name} must be the 32–64 character project id of the region` });
const Url = (name: string) => z.url({ protocol: /^https?$/, error: `${name} must be a URL such as https://kms.cn-north-4.myhuaweicloud.com` });

/**
 * Reads the CSMS configuration; undefined when none of the rotator's CSMS variables is set (this worker serves no CSMS
 * consumer). Errors name the variables, never a value. Each setting, first found wins:
 * - AK/SK: `CLOUD_SDK_AK` + `CLOUD_SDK_SK` (Huawei's SDK samples), else `HUAWEICLOUD_SDK_AK` + `HUAWEICLOUD_SDK_SK`
 *   (the SDKs' environment provider); a pair is never mixed across the two.
 * - project: `CSMS_PROJECT_ID`, else `HUAWEICLOUD_SDK_PROJECT_ID`.
 * - endpoint: `CSMS_ENDPOINT`, else `HUAWEICLOUD_SDK_REGION_CSMS_<REGION>`, else `https://kms.{CSMS_REGION}.myhuaweicloud.com`.
 */
export function csmsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CsmsConfig | undefined {
  const get = (name: string): string | undefined => (env[name]?.trim() ? env[name] : undefined);
  if (!CSMS_ENV.some((name) => get(name) !== undefined)) return undefined;
  const problems: string[] = [];
  const check = <T>(schema: z.ZodType<T>, value: string | undefined): T | undefined => {
    if (value === undefined) return undefined;
    const parsed = schema.safeParse(value);
    if (!parsed.success) problems.push(...parsed.error.issues.map((i) => i.message));
    return parsed.data;
  };

  const rotatorPair = get('CLOUD_SDK_AK') !== undefined || get('CLOUD_SDK_SK') !== undefined;
  const [akName, skName] = rotatorPair ? ['CLOUD_SDK_AK', 'CLOUD_SDK_SK'] : [HUAWEI_SDK_ENV.accessKey, HUAWEI_SDK_ENV.secretKey];
  const accessKey = get(akName);
  const secretKey = get(skName);
  const pairHint = rotatorPair ? ' (set CLOUD_SDK_AK and CLOUD_SDK_SK together; HUAWEICLOUD_SDK_AK / _SK are read only when neither is set)' : '';
  if (accessKey === undefined) problems.push(`CLOUD_SDK_AK is not set${rotatorPair ? pairHint : ' (nor HUAWEICLOUD_SDK_AK)'}`);
  if (secretKey === undefined) problems.push(`CLOUD_SDK_SK is not set${rotatorPair ? pairHint : ' (nor HUAWEICLOUD_SDK_SK)'}`);
  if (!rotatorPair) {
    const unsupported = HUAWEI_SDK_ENV.unsupported.filter((name) => get(name) !== undefined);
    if (unsupported.length > 0) {
      problems.push(`${unsupported.join(', ')} set: temporary AK/SK and federated login expire while the worker runs and are not supported; give a permanent AK/SK in CLOUD_SDK_AK / CLOUD_SDK_SK`);
    }
  }

  const region = check(Region, get('CSMS_REGION'));
  const endpointVariable = get('CSMS_ENDPOINT') !== undefined ? 'CSMS_ENDPOINT' : region !== undefined && get(sdkRegionEndpointVariable(region)) !== undefined ? sdkRegionEndpointVariable(region) : undefined;
  const endpoint = endpointVariable === undefined ? undefined : check(Url(endpointVariable), get(endpointVariable));
  if (get('CSMS_REGION') === undefined && endpointVariable === undefined) problems.push('CSMS_REGION (or CSMS_ENDPOINT) is not set');

  const projectVariable = get('CSMS_PROJECT_ID') !== undefined ? 'CSMS_PROJECT_ID' : HUAWEI_SDK_ENV.projectId;
  const projectId = check(ProjectId(projectVariable), get(projectVariable));
  if (get(projectVariable) === undefined) problems.push('CSMS_PROJECT_ID is not set (the IAM project id of the region, 32 characters; or HUAWEICLOUD_SDK_PROJECT_ID)');

  if (problems.length > 0 || accessKey === undefined || secretKey === undefined || projectId === undefined) throw new Error(`CSMS configuration: ${problems.join('; ')}`);
  return {
    endpoint: (endpoint ?? `https://kms.${region}.myhuaweicloud.com`).replace(/\/+$/, ''),
    region: region ?? 'custom-endpoint',
    projectId,
    accessKey,
    secretKey,
  };
}
