import type { AxiosInstance, AxiosResponse, Method } from 'axios';
import { z } from 'zod';
import { createHttpClient } from '../http/client';
import type { WallarmConfig } from './config';
import { classifyResponse, wallarmHttp, type WallarmAction } from './errors';
import { ApiToken, inferredRoutes, type UpdateTokenRequest } from './inferred';
import { CreatedToken, envelope, TokenSecret, WallarmUser, type CreateTokenRequest } from './schemas';

export interface WallarmClientOptions extends WallarmConfig {
  readonly timeoutMs?: number;
}

interface ApiRequest {
  readonly method: Method;
  readonly url: string;
  readonly data?: unknown;
}

/**
 * The Wallarm API calls the rotator makes. No retries here: Temporal owns retries, and every failure leaves as a
 * classified ProviderError that names the operation and the token id, never a token value.
 */
export class WallarmClient {
  readonly cloud: WallarmConfig['cloud'];
  readonly endpoint: string;
  private readonly http: AxiosInstance;
  // a #private field: util.inspect and JSON.stringify of the client never show it
  readonly #token: string;

  constructor(options: WallarmClientOptions) {
    this.cloud = options.cloud;
    this.endpoint = options.endpoint;
    this.#token = options.token;
    // statuses are classified in one place: errors.ts
    this.http = createHttpClient({ baseURL: options.endpoint, timeoutMs: options.timeoutMs });
  }

  /** Whether `value` is the token this client calls with (the rotator must not rotate its own token). */
  isOwnToken(value: string): boolean {
    return value === this.#token;
  }

  /** `POST /v1/user` (documented): the user behind the rotator's token, or behind `token` (to verify a new token). */
  async currentUser(token?: string): Promise<WallarmUser> {
    const action = this.action('currentUser');
    const response = await this.call(action, { method: 'POST', url: '/v1/user' }, token);
    return wallarmHttp.parsed(action, response, envelope(WallarmUser)).body;
  }

  /** `POST /v2/api_tokens` (documented). Not idempotent: the caller must guard against a lost response. */
  async createToken(request: CreateTokenRequest): Promise<{ id: number }> {
    const action = this.action('createToken');
    const response = await this.call(action, { method: 'POST', url: '/v2/api_tokens', data: request });
    return wallarmHttp.parsed(action, response, envelope(CreatedToken)).body;
  }

  /** `GET /v2/api_tokens/{id}/secret` (documented): the value to send as X-WallarmApi-Token. */
  async tokenSecret(tokenId: number): Promise<string> {
    const action = this.action('readTokenSecret', tokenId);
    const response = await this.call(action, { method: 'GET', url: `/v2/api_tokens/${tokenId}/secret` });
    return wallarmHttp.parsed(action, response, envelope(TokenSecret)).body.secret;
  }

  /** INFERRED route: every token the rotator's user can see. */
  async listTokens(): Promise<ApiToken[]> {
    const action = this.action('listTokens');
    const response = await this.call(action, { method: inferredRoutes.listTokens.method, url: inferredRoutes.listTokens.path() });
    return wallarmHttp.parsed(action, response, envelope(z.array(ApiToken))).body;
  }

  /** One token, or null when the rotator's user cannot see it (gone, or another user's). */
  async getToken(tokenId: number): Promise<ApiToken | null> {
    return (await this.listTokens()).find((t) => t.id === tokenId) ?? null;
  }

  /** INFERRED route: enable, disable or re-expire a token. */
  async updateToken(tokenId: number, request: UpdateTokenRequest): Promise<ApiToken> {
    const action = this.action('updateToken', tokenId);
    const response = await this.call(action, { method: inferredRoutes.updateToken.method, url: inferredRoutes.updateToken.path(tokenId), data: request });
    return wallarmHttp.parsed(action, response, envelope(ApiToken)).body;
  }

  /**
   * INFERRED route. 'already-gone' on 404, so a retried delete after a lost response succeeds. The status says it all:
   * the body (`{"body":{"result":"deleted"}}` for other resources, W5) is never read, so no shape of it can fail a delete.
   */
  async deleteToken(tokenId: number): Promise<'deleted' | 'already-gone'> {
    const action = this.action('deleteToken', tokenId);
    const response = await this.call(action, { method: inferredRoutes.deleteToken.method, url: inferredRoutes.deleteToken.path(tokenId) }, undefined, [200, 204, 404]);
    return response.status === 404 ? 'already-gone' : 'deleted';
  }

  private action(operation: string, tokenId?: number): WallarmAction {
    return { operation, ...(tokenId === undefined ? {} : { tokenId }), endpoint: this.endpoint };
  }

  private async call(action: WallarmAction, request: ApiRequest, token: string = this.#token, expected: readonly number[] = [200]): Promise<AxiosResponse> {
    const secrets = [this.#token, token];
    const response = await wallarmHttp.send(this.http, action, { ...request, headers: { 'X-WallarmApi-Token': token } }, () => secrets);
    if (!expected.includes(response.status)) throw classifyResponse(action, response, secrets);
    return response;
  }
}
