import { retry, retryAfter, type ProviderError } from '../errors';
import { HttpProvider, type HttpAnswer } from '../http/provider';
import { retryAfterMs } from '../http/retry-after';
import { CsmsErrorBody } from './schemas';

/** What the client was doing, for messages an operator can act on. */
export interface CsmsAction {
  /** the API's operation name, e.g. `CreateSecretVersion` */
  readonly operation: string;
  /** the IAM identity-policy action it needs, e.g. `csms:secret:createVersion` */
  readonly permission: string;
  readonly secretName?: string;
  readonly endpoint: string;
  readonly projectId: string;
}

/** The shared HTTP plumbing under CSMS's names: transport and body failures, and what to check. */
export const csmsHttp = new HttpProvider<CsmsAction>({
  provider: 'csms', describe, endpointHint: 'Check CSMS_REGION / CSMS_ENDPOINT.',
  types: { unreachable: 'CsmsUnreachable', endpointInvalid: 'CsmsEndpointInvalid', unexpectedResponse: 'CsmsUnexpectedResponse' },
});

/** The `{code, message}` of an error body in any of the shapes Huawei uses, if it has one. */
export const errorBodyOf = (data: unknown): CsmsErrorBody | undefined => CsmsErrorBody.safeParse(data).data;

// no Retry-After is documented for APIGW.0308 (provider-facts §2.4): come back after a few seconds
const defaultThrottleDelayMs = 5_000;

/** How to get a secret out of PENDING_DELETE: CSMS's RestoreSecret, or the console. */
export function cancelDeletionHint(secretName: string, projectId: string): string {
  return (
    `Cancel the deletion with RestoreSecret (POST /v1/${projectId}/secrets/${secretName}/scheduled-deleted-tasks/cancel, ` +
    `'hcloud CSMS RestoreSecret', or 'Cancel Deletion' in the DEW console), then start the rotation again.`
  );
}

/** Classifies an HTTP answer outside the expected statuses. */
export function classifyResponse(action: CsmsAction, response: HttpAnswer, secrets: readonly string[]): ProviderError {
  const { status } = response;
  const body = errorBodyOf(response.data);
  const code = body?.code;
  const requestId = typeof response.headers['x-request-id'] === 'string' ? ` (request id ${response.headers['x-request-id']})` : '';
  const said = body === undefined ? `HTTP ${status}` : `HTTP ${status} ${body.code} "${body.message}"`;
  const fail = csmsHttp.answerFailure(action, response, `${said}${requestId}`, secrets);

  if (status === 429 || code === 'APIGW.0308') {
    const delayMs = retryAfterMs(response.headers['retry-after']) ?? defaultThrottleDelayMs;
    return fail('CsmsThrottled', `Throttled by the API gateway; retry in ${Math.round(delayMs / 1000)} s.`, retryAfter(delayMs));
  }
  if (code === 'CSMS.0103' || code === 'CSMS.0107') {
    return fail('CsmsSecretPendingDeletion', `Secret '${action.secretName ?? '?'}' is scheduled for deletion (PENDING_DELETE) and cannot be read or written. ${cancelDeletionHint(action.secretName ?? '<name>', action.projectId)}`);
  }
  if (status >= 500) return fail('CsmsUnavailable', 'CSMS had a server-side problem; retrying.', retry);
  if (status === 401 || code === 'APIGW.0301') {
    // retrying cannot fix a key or a clock, and 5 failures in a row lock the AK for 5 minutes
    const expired = /signature expired/i.test(body?.message ?? '');
    return fail(
      expired ? 'CsmsSignatureExpired' : 'CsmsAuthFailed',
      expired
        ? "The worker's clock differs from Huawei's by more than 15 minutes: fix the clock (NTP)."
        : 'Check CLOUD_SDK_AK / CLOUD_SDK_SK (5 failures in a row lock the AK for 5 minutes).',
    );
  }
  if (status === 403) return fail('CsmsPermissionDenied', `Grant the IAM user the action ${action.permission} on secret '${action.secretName ?? '*'}' in project ${action.projectId}.`);
  if (code === 'CSMS.0005' || code === 'CSMS.0106' || status === 404) {
    const what = action.secretName === undefined ? 'resource' : `secret '${action.secretName}' (or the version or stage asked for)`;
    return fail('CsmsNotFound', `The ${what} does not exist in project ${action.projectId} at ${action.endpoint}: check the name, CSMS_PROJECT_ID and CSMS_REGION.`);
  }
  if (code === 'CSMS.0108') return fail('CsmsSecretNotPendingDeletion', `Secret '${action.secretName ?? '?'}' is not scheduled for deletion.`);
  if (code === 'CSMS.0202' || code === 'CSMS.0203') return fail('CsmsQuotaReached', 'A CSMS quota is reached (500 secrets per project, 12 stages per secret).');
  return fail('CsmsRequestRejected', 'CSMS rejected the request; retrying will not help.');
}

function describe({ operation, secretName }: CsmsAction): string {
  return secretName === undefined ? `CSMS ${operation}` : `CSMS ${operation} of secret '${secretName}'`;
}
