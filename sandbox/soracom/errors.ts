/**
 * The errors the SORACOM emulator answers with, in the flat `{code, message}` body every observed SORACOM
 * error has (provider-facts §1.2) — not the spec's nested `APICallError`.
 *
 * Seen on the wire: AUM0001 with its message, AGW0005 "Internal error" (500) and a 400 saying "invalid api key".
 * Every other code is a stand-in of the right shape (component prefix + 4 digits): clients must key on the
 * HTTP status, never on these codes.
 */
export class SoracomApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  get body(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** HTTP status for a missing, unknown or expired token: the spec documents only 400 for an expired token (updateCredential, generateAuthToken). */
export type TokenErrorStatus = 400 | 401;

export const soracomErrors = {
  invalidApiKey: () => new SoracomApiError(400, 'AGW0001', 'invalid api key'),
  tokenRequired: (status: TokenErrorStatus) => new SoracomApiError(status, 'AUM0001', 'Token is required in the request header'),
  // SORACOM's own SDK test saw AUM0001 while sending a token it believed valid, so bad tokens share the code
  tokenInvalid: (status: TokenErrorStatus) => new SoracomApiError(status, 'AUM0001', 'Invalid token'),
  tokenExpired: (status: TokenErrorStatus) =>
    new SoracomApiError(status, 'AUM0001', 'The token has expired; authenticate again with /auth'),
  authenticationFailed: () => new SoracomApiError(401, 'AUM0002', 'Authentication failed'),
  badRequest: (message: string) => new SoracomApiError(400, 'COM0001', message),
  credentialsNotFound: (id: string) => new SoracomApiError(404, 'COM0002', `Credentials '${id}' not found`),
  credentialsAlreadyExist: (id: string) => new SoracomApiError(400, 'COM0003', `Credentials '${id}' already exist`),
  userNotFound: (userName: string) => new SoracomApiError(404, 'AUM0004', `SAM user '${userName}' not found`),
  authKeyNotFound: (authKeyId: string) => new SoracomApiError(404, 'AUM0005', `AuthKey '${authKeyId}' not found`),
  authKeyLimitReached: (limit: number) =>
    new SoracomApiError(400, 'AUM0006', `The SAM user already has ${limit} AuthKeys; delete one first`),
  // AUM0017 is the code SORACOM's own docs use for a SAM permission denial (provider-facts §1.2, S3)
  permissionDenied: () => new SoracomApiError(403, 'AUM0017', 'You do not have permission to call this API'),
  rateLimited: () => new SoracomApiError(429, 'AGW0002', 'Too many requests; wait before calling this API again'),
  routeNotFound: () => new SoracomApiError(404, 'AGW0003', 'Not found'),
  internal: () => new SoracomApiError(500, 'AGW0005', 'Internal error'),
};
