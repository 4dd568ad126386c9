/**
 * API tokens shaped as SORACOM's: a JWT whose payload names the operator in `operator.operatorId`, the claim soracom-cli
 * reads to fill `{operator_id}` in paths (`extractOperatorIDFromAPIToken`, generators/cmd/predefined/api_credentials.go
 * in soracom/soracom-cli @ bad112d; with an opaque token it sends `/operators//users/…`).
 *
 * Signed HS256 with the sandbox's own secret, so any JWT library parses it. The signature is a shape, not the check: the
 * sandbox accepts a token only as the one it issued with that API key. Which other claims SORACOM's tokens carry is not
 * in our sources; `iss`, `jti`, `iat` and `exp` (the pair's expiry, Unix seconds) are the sandbox's own.
 */
import { createHmac, randomUUID } from 'node:crypto';

export interface ApiTokenClaims {
  readonly operatorId: string;
  /** epoch ms */
  readonly issuedAt: number;
  /** epoch ms */
  readonly expiresAt: number;
}

export function issueApiToken({ operatorId, issuedAt, expiresAt }: ApiTokenClaims, signingSecret: string): string {
  const header = { alg: 'HS256', typ: 'JWT' };
  const payload = { iss: 'soracom-sandbox', jti: randomUUID(), iat: unixSeconds(issuedAt), exp: unixSeconds(expiresAt), operator: { operatorId } };
  const signingInput = `${base64url(header)}.${base64url(payload)}`;
  return `${signingInput}.${createHmac('sha256', signingSecret).update(signingInput).digest('base64url')}`;
}

function base64url(part: object): string {
  return Buffer.from(JSON.stringify(part), 'utf8').toString('base64url');
}

function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
