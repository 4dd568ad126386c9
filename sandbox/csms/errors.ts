/**
 * The errors the CSMS emulator answers with, in the `{error_code, error_msg}` body of the spec's `ErrorRsp`.
 *
 * CSMS codes and messages are those of Huawei's DEW error-code table (provider-facts §2.2; every CSMS code there is HTTP 400).
 * Gateway codes: APIGW.0301 (401, IAM authentication: bad signature, expired signature, missing token) and APIGW.0308
 * (429, throttled), whose messages follow Huawei's signing FAQ; gateway bodies also carry `request_id`.
 * Stand-ins, because no source we hold documents them (provider-facts §4): the 403 for an IAM policy denial (`CSMS.0403`),
 * the code for reading a DISABLED or FROZEN secret (`CSMS.0003` with its own message), the 500 (`CSMS.0001`) and
 * the unknown route (`APIGW.0101`). Clients must key on status and on the documented codes only.
 */
export class CsmsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** gateway errors carry the request id in the body as well (Huawei's APIG FAQ examples) */
    readonly gateway = false,
  ) {
    super(message);
  }

  body(requestId: string): Record<string, string> {
    return { error_code: this.code, error_msg: this.message, ...(this.gateway ? { request_id: requestId } : {}) };
  }
}

const iamAuth = (detail: string) => new CsmsApiError(401, 'APIGW.0301', `Incorrect IAM authentication information: ${detail}`, true);

export const csmsErrors = {
  invalidParameter: (detail: string) => new CsmsApiError(400, 'CSMS.0002', `The value of parameter is invalid. ${detail}`),
  invalidRequest: (detail: string) => new CsmsApiError(400, 'CSMS.0003', `The request is invalid. ${detail}`),
  badBody: (detail: string) => new CsmsApiError(400, 'CSMS.0004', `The requested body format is wrong. ${detail}`),
  resourceNotFound: (what: string) => new CsmsApiError(400, 'CSMS.0005', `The resource does not exist. ${what}`),
  // value and stage reads of a secret pending deletion (provider-facts §2.4)
  pendingDeletionUnusable: () => new CsmsApiError(400, 'CSMS.0103', 'The secret is in the scheduled deletion state.'),
  systemStage: (stage: string) => new CsmsApiError(400, 'CSMS.0105', `Can not delete the system internal stage. ${stage}`),
  secretNotFound: () => new CsmsApiError(400, 'CSMS.0106', 'The secret name not found int the db.'),
  // writes to a secret pending deletion
  pendingDeletion: () => new CsmsApiError(400, 'CSMS.0107', 'The secret is in schedule delete state.'),
  notPendingDeletion: () => new CsmsApiError(400, 'CSMS.0108', 'The secret is not in schedule delete state.'),
  secretQuota: (limit: number) => new CsmsApiError(400, 'CSMS.0202', `The secret quota has been reached (${limit}).`),
  stageQuota: (limit: number) => new CsmsApiError(400, 'CSMS.0203', `The secret stage quota has been reached (${limit}).`),
  notEnabled: (state: string) => new CsmsApiError(400, 'CSMS.0003', `The request is invalid. The secret is ${state}.`),
  permissionDenied: (action: string) => new CsmsApiError(403, 'CSMS.0403', `The user has no permission for ${action}.`),
  signatureFailed: () => iamAuth('verify aksk signature fail'),
  signatureExpired: (signatureTime: string, serverTime: string) =>
    iamAuth(`signature expired, signature time:${signatureTime},server time:${serverTime}`),
  tokenMissing: () => iamAuth('x-auth-token not found'),
  tokenInvalid: () => iamAuth('decrypt token fail'),
  akLocked: () => iamAuth('verify aksk signature fail, the AK is locked for 5 minutes after 5 consecutive failures'),
  throttled: (limit: number, windowSeconds: number) =>
    new CsmsApiError(429, 'APIGW.0308', `The throttling threshold has been reached: policy user over ratelimit,limit:${limit},time:${windowSeconds} second`, true),
  apiNotFound: () => new CsmsApiError(404, 'APIGW.0101', 'The API does not exist or has not been published in the environment', true),
  internal: () => new CsmsApiError(500, 'CSMS.0001', 'Internal error.'),
};
