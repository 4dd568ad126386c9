import axios, { type AxiosInstance } from 'axios';
import { callContext, USER_AGENT_PRODUCT } from '../call-context';

/** A hung provider call ends after this long, unless the client is configured otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface HttpClientOptions {
  /** prefix of every request's URL; omit when each request names its full URL (a provider that signs it) */
  readonly baseURL?: string;
  readonly timeoutMs?: number | undefined;
  /** headers every request carries, e.g. the language of error messages */
  readonly headers?: Record<string, string>;
  /** send the body exactly as given, not serialised by axios: a signed body must reach the wire unchanged */
  readonly bodyAsIs?: boolean;
}

/**
 * The axios instance of one provider client. It returns every HTTP answer, whatever its status: the provider's own
 * status table classifies them. Each request names the rotation and activity attempt that made it in its User-Agent,
 * so provider-side logs and any proxy tie the call to its rotation.
 */
export function createHttpClient(options: HttpClientOptions): AxiosInstance {
  const http = axios.create({
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.headers === undefined ? {} : { headers: options.headers }),
    validateStatus: () => true,
    ...(options.bodyAsIs ? { transformRequest: [(data: unknown) => data] } : {}),
  });
  // runs when the request is sent, after anything the client signed: the User-Agent is never a signed header
  http.interceptors.request.use((config) => {
    const context = callContext();
    if (context) config.headers.set('User-Agent', `${USER_AGENT_PRODUCT} (${context})`);
    return config;
  });
  return http;
}
