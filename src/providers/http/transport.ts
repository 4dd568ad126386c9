/**
 * Network error codes (Node's and axios's) where the endpoint is right but no answer arrived: a reset, a timeout, a
 * refused or unroutable connection, a DNS lookup that may succeed next time. Worth another attempt; anything else
 * (a malformed URL, an unknown host) will fail the same way again.
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** A failure to get any HTTP answer, as the client library reports it. */
export interface TransportError {
  readonly code?: string;
  readonly message: string;
}

/** Whether a failure to get any answer is worth retrying: a transient code, or a hang-up or timeout named only in the message. */
export function isTransient(err: TransportError): boolean {
  return (err.code !== undefined && TRANSIENT_NETWORK_CODES.has(err.code)) || /socket hang up|timeout/i.test(err.message);
}
