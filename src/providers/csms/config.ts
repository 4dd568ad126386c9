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

export const CSMS_ENV = ['CLOUD_SDK_AK', 'CLOUD_SDK_SK', 'CSMS_REGION', 'CSMS_PROJECT_ID', 'CSMS_ENDPOINT'] as const;

const required = (name: string) => z.string({ error: `${name} is not set` }).refine((v) => v.trim() !== '', { error: `${name} is empty` });

const CsmsEnv = z
  .object({
    CLOUD_SDK_AK: required('CLOUD_SDK_AK'),
    CLOUD_SDK_SK: required('CLOUD_SDK_SK'),
    // e.g. cn-north-4, ap-southeast-1, la-south-2
    CSMS_REGION: z.string().regex(/^[a-z]{2}(-[a-z0-9]+)+$/, { error: 'CSMS_REGION must be a Huawei Cloud region id such as cn-north-4 or ap-southeast-1' }).optional(),
    // the API Explorer definitions: a project id of 32–64 characters
    CSMS_PROJECT_ID: z.string({ error: 'CSMS_PROJECT_ID is not set (the IAM project id of the region, 32 characters)' }).regex(/^[A-Za-z0-9-]{32,64}$/, { error: 'CSMS_PROJECT_ID must be the 32–64 character project id of the region' }),
    CSMS_ENDPOINT: z.url({ error: 'CSMS_ENDPOINT must be a URL such as https://kms.cn-north-4.myhuaweicloud.com' }).optional(),
  })
  .refine((env) => env.CSMS_REGION !== undefined || env.CSMS_ENDPOINT !== undefined, { error: 'CSMS_REGION (or CSMS_ENDPOINT) is not set' });

/**
 * Reads CLOUD_SDK_AK / CLOUD_SDK_SK (as Huawei's SDK samples do), CSMS_REGION or CSMS_ENDPOINT, and CSMS_PROJECT_ID.
 * Undefined when none is set (this worker serves no CSMS consumer); errors name the variable, never its value.
 */
export function csmsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CsmsConfig | undefined {
  const present = Object.fromEntries(Object.entries(env).filter(([name, value]) => value !== '' && (CSMS_ENV as readonly string[]).includes(name)));
  if (Object.keys(present).length === 0) return undefined;
  const parsed = CsmsEnv.safeParse(present);
  if (!parsed.success) throw new Error(`CSMS configuration: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const { CLOUD_SDK_AK, CLOUD_SDK_SK, CSMS_REGION, CSMS_PROJECT_ID, CSMS_ENDPOINT } = parsed.data;
  return {
    endpoint: (CSMS_ENDPOINT ?? `https://kms.${CSMS_REGION}.myhuaweicloud.com`).replace(/\/+$/, ''),
    region: CSMS_REGION ?? 'custom-endpoint',
    projectId: CSMS_PROJECT_ID,
    accessKey: CLOUD_SDK_AK,
    secretKey: CLOUD_SDK_SK,
  };
}
