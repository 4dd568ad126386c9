import type { AxiosInstance, AxiosResponse, Method } from 'axios';
import { createHttpClient } from '../http/client';
import type { CsmsConfig } from './config';
import { classifyResponse, csmsHttp, errorBodyOf, type CsmsAction } from './errors';
import { SecretResponse, StageResponse, VersionMetadataResponse, VersionResponse, VersionsResponse, type Secret, type Stage, type Version, type VersionMetadata } from './schemas';
import { bodyText, signRequest } from './signer';

export interface CsmsClientOptions extends CsmsConfig {
  readonly timeoutMs?: number;
  /** Milliseconds since the epoch, for `X-Sdk-Date`. */
  readonly now?: () => number;
}

interface ApiRequest {
  readonly method: Method;
  /** below `/v1/{project_id}` */
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly body?: object;
}

export const SYSCURRENT = 'SYSCURRENT';
export const SYSPREVIOUS = 'SYSPREVIOUS';

/**
 * The CSMS calls the rotator makes, each signed with SDK-HMAC-SHA256. No retries here: Temporal owns them, and every
 * failure leaves as a classified ProviderError naming the operation, the secret and the IAM action it needs.
 */
export class CsmsClient {
  private readonly http: AxiosInstance;
  readonly endpoint: string;
  readonly projectId: string;
  readonly region: string;
  private readonly accessKey: string;
  // a #private field: util.inspect and JSON.stringify of the client never show it
  readonly #secretKey: string;
  private readonly now: () => number;

  constructor(options: CsmsClientOptions) {
    this.endpoint = options.endpoint;
    this.projectId = options.projectId;
    this.region = options.region;
    this.accessKey = options.accessKey;
    this.#secretKey = options.secretKey;
    this.now = options.now ?? Date.now;
    // statuses are classified in one place (errors.ts); the body is sent exactly as it was signed
    this.http = createHttpClient({ timeoutMs: options.timeoutMs, bodyAsIs: true });
  }

  /** Metadata and state; answers for a secret pending deletion too. Null when the secret does not exist. */
  async showSecret(name: string): Promise<Secret | null> {
    const action = this.action('ShowSecret', 'csms:secret:get', name);
    const response = await this.call(action, { method: 'GET', path: secretPath(name) }, [200], notFound);
    return response.status === 200 ? csmsHttp.parsed(action, response, SecretResponse).secret : null;
  }

  /** Creates a secret whose first version (SYSCURRENT) holds `secretString`; for seeding and tests. */
  async createSecret(name: string, secretString: string, description?: string): Promise<Secret> {
    const action = this.action('CreateSecret', 'csms:secret:create', name);
    const body = { name, secret_string: secretString, ...(description === undefined ? {} : { description }) };
    const response = await this.call(action, { method: 'POST', path: '/secrets', body }, [200]);
    return csmsHttp.parsed(action, response, SecretResponse).secret;
  }

  /** A new version; without `stages` CSMS moves SYSCURRENT to it and the former SYSCURRENT becomes SYSPREVIOUS. */
  async createSecretVersion(name: string, secretString: string, stages?: string[]): Promise<VersionMetadata> {
    const action = this.action('CreateSecretVersion', 'csms:secret:createVersion', name);
    const body = { secret_string: secretString, ...(stages === undefined ? {} : { version_stages: stages }) };
    const response = await this.call(action, { method: 'POST', path: `${secretPath(name)}/versions`, body }, [200]);
    return csmsHttp.parsed(action, response, VersionMetadataResponse).version_metadata;
  }

  /** A version with its value (`v<n>` or `latest`); only for ENABLED secrets. */
  async showSecretVersion(name: string, versionId: string): Promise<Version> {
    const action = this.action('ShowSecretVersion', 'csms:secret:getVersion', name);
    const response = await this.call(action, { method: 'GET', path: `${secretPath(name)}/versions/${encodeURIComponent(versionId)}` }, [200]);
    return csmsHttp.parsed(action, response, VersionResponse).version;
  }

  /** Every version's metadata, oldest first (all pages). */
  async listSecretVersions(name: string): Promise<VersionMetadata[]> {
    const action = this.action('ListSecretVersions', 'csms:secret:listVersions', name);
    const all: VersionMetadata[] = [];
    let marker: string | undefined;
    for (;;) {
      const query: Record<string, string> = { limit: '100', ...(marker === undefined ? {} : { marker }) };
      const response = await this.call(action, { method: 'GET', path: `${secretPath(name)}/versions`, query }, [200]);
      const page = csmsHttp.parsed(action, response, VersionsResponse);
      all.push(...page.version_metadatas);
      const next = page.page_info?.next_marker ?? undefined;
      if (next === undefined || next === null || page.version_metadatas.length === 0) return all;
      marker = next;
    }
  }

  /** Which version holds a stage; null when no version holds it. */
  async showSecretStage(name: string, stage: string): Promise<Stage | null> {
    const action = this.action('ShowSecretStage', 'csms:secret:getStage', name);
    const response = await this.call(action, { method: 'GET', path: `${secretPath(name)}/stages/${encodeURIComponent(stage)}` }, [200], notFound);
    return response.status === 200 ? csmsHttp.parsed(action, response, StageResponse).stage : null;
  }

  /** Moves a stage onto a version. */
  async updateSecretStage(name: string, stage: string, versionId: string): Promise<Stage> {
    const action = this.action('UpdateSecretStage', 'csms:secret:updateStage', name);
    const response = await this.call(action, { method: 'PUT', path: `${secretPath(name)}/stages/${encodeURIComponent(stage)}`, body: { version_id: versionId } }, [200]);
    return csmsHttp.parsed(action, response, StageResponse).stage;
  }

  /** CSMS's own recoverable deletion: PENDING_DELETE for 7–30 days, then gone; 'already-gone' if absent or already scheduled. */
  async scheduleDeletion(name: string, recoveryWindowDays: number): Promise<'scheduled' | 'already-gone'> {
    const action = this.action('DeleteSecretForSchedule', 'csms:secret:scheduleDelete', name);
    const response = await this.call(
      action,
      { method: 'POST', path: `${secretPath(name)}/scheduled-deleted-tasks/create`, body: { recovery_window_in_days: recoveryWindowDays } },
      [200],
      (status, data) => notFound(status, data) || errorBodyOf(data)?.code === 'CSMS.0107',
    );
    return response.status === 200 ? 'scheduled' : 'already-gone';
  }

  /** RestoreSecret: cancels a scheduled deletion; 'not-pending' for a secret that is not scheduled (CSMS.0108). */
  async cancelDeletion(name: string): Promise<'restored' | 'not-pending'> {
    const action = this.action('RestoreSecret', 'csms:secret:restoreSecret', name);
    const response = await this.call(action, { method: 'POST', path: `${secretPath(name)}/scheduled-deleted-tasks/cancel` }, [200], (_s, data) => errorBodyOf(data)?.code === 'CSMS.0108');
    return response.status === 200 ? 'restored' : 'not-pending';
  }

  private action(operation: string, permission: string, secretName?: string): CsmsAction {
    return { operation, permission, ...(secretName === undefined ? {} : { secretName }), endpoint: this.endpoint, projectId: this.projectId };
  }

  /** Signs and sends; answers in `expected`, or accepted by `tolerated`, are returned, the rest classified. */
  private async call(
    action: CsmsAction,
    request: ApiRequest,
    expected: readonly number[],
    tolerated: (status: number, data: unknown) => boolean = () => false,
  ): Promise<AxiosResponse> {
    const url = `${this.endpoint}/v1/${encodeURIComponent(this.projectId)}${request.path}`;
    const query = request.query ?? {};
    const search = new URLSearchParams(query).toString();
    const headers = signRequest(
      {
        method: request.method.toUpperCase(),
        url,
        headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Project-Id': this.projectId },
        query,
        ...(request.body === undefined ? {} : { body: request.body }),
      },
      { accessKey: this.accessKey, secretKey: this.#secretKey },
      new Date(this.now()),
    );
    const response = await csmsHttp.send(this.http, action, { method: request.method, url: search === '' ? url : `${url}?${search}`, headers, data: bodyText(request.body) }, () => this.secrets(request));
    if (expected.includes(response.status) || tolerated(response.status, response.data)) return response;
    throw classifyResponse(action, response, this.secrets(request));
  }

  /** Strings that must not reach a message: the SK and every value the request carries. */
  private secrets(request: ApiRequest): string[] {
    const body = request.body as { secret_string?: unknown } | undefined;
    const values = typeof body?.secret_string === 'string' ? [body.secret_string, ...jsonStrings(body.secret_string)] : [];
    return [this.#secretKey, ...values];
  }
}

/** A missing secret, version or stage: CSMS.0005 / CSMS.0106 (HTTP 400 in Huawei's table) or a plain 404. */
function notFound(status: number, data: unknown): boolean {
  const code = errorBodyOf(data)?.code;
  return status === 404 || code === 'CSMS.0005' || code === 'CSMS.0106';
}

function secretPath(name: string): string {
  return `/secrets/${encodeURIComponent(name)}`;
}

/** The string values inside a JSON secret value, so a message never echoes one of them. */
function jsonStrings(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? Object.values(value).filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}
