import { csmsErrors } from './errors';
import {
  checkName,
  CreateSecretBody,
  CreateSecretVersionBody,
  DeleteSecretForScheduleBody,
  ListSecretsQuery,
  ListVersionsQuery,
  parseBody,
  UpdateSecretBody,
  UpdateSecretStageBody,
  UpdateVersionBody,
  VERSION_ID_PATTERN,
} from './requests';
import { SYSCURRENT, SYSPREVIOUS, type CsmsStore, type SecretRecord, type VersionRecord } from './store';

export interface Reply {
  readonly status: number;
  /** undefined: an empty body (DeleteSecret answers 200 with none) */
  readonly body?: unknown;
}

type Params = Readonly<Record<string, string>>;

export interface RouteInput {
  readonly params: Params;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

/** A spec operation: `template` is the spec's path, `action` the IAM identity-policy action it needs. */
export interface Route {
  readonly operation: string;
  readonly method: string;
  readonly template: string;
  readonly action: string;
  handle(input: RouteInput): Reply;
}

export interface RouteOptions {
  readonly store: CsmsStore;
  readonly now: () => number;
  /** the spec's descriptions say seconds, every example shows milliseconds (provider-facts §2.4) */
  readonly timestampUnit: 'ms' | 's';
}

const DAY_MS = 86_400_000;

export function csmsRoutes({ store, now, timestampUnit }: RouteOptions): Route[] {
  const time = (ms: number) => (timestampUnit === 'ms' ? ms : Math.floor(ms / 1000));
  const secretOf = ({ project_id: projectId = '', secret_name: name = '' }: Params) => store.secret(projectId, checkName('secret_name', name));

  const secretModel = (s: SecretRecord) => ({
    id: s.id,
    name: s.name,
    state: s.state,
    kms_key_id: s.kmsKeyId,
    description: s.description,
    create_time: time(s.createTime),
    update_time: time(s.updateTime),
    scheduled_delete_time: s.scheduledDeleteTime === null ? null : time(s.scheduledDeleteTime),
    secret_type: s.secretType,
    auto_rotation: s.autoRotation,
    ...(s.rotationPeriod === undefined ? {} : { rotation_period: s.rotationPeriod }),
    ...(s.eventSubscriptions === undefined ? {} : { event_subscriptions: s.eventSubscriptions }),
    ...(s.rotationFuncUrn === undefined ? {} : { rotation_func_urn: s.rotationFuncUrn }),
    enterprise_project_id: s.enterpriseProjectId,
  });
  const versionMetadata = (s: SecretRecord, v: VersionRecord) => ({
    id: v.id,
    create_time: time(v.createTime),
    ...(v.expireTime === undefined ? {} : { expire_time: v.expireTime }),
    kms_key_id: v.kmsKeyId,
    secret_name: s.name,
    version_stages: store.stagesOf(s, v.id),
  });
  const stageModel = (s: SecretRecord, name: string) => {
    const stage = s.stages.get(name);
    if (stage === undefined) throw csmsErrors.resourceNotFound(`stage ${name}`);
    return { name, secret_name: s.name, version_id: stage.versionId, update_time: time(stage.updateTime) };
  };
  /** Value reads and stage reads: only for ENABLED secrets (ShowSecretVersion), never for one pending deletion. */
  const readable = (s: SecretRecord) => {
    if (s.state === 'PENDING_DELETE') throw csmsErrors.pendingDeletionUnusable();
    if (s.state !== 'ENABLED') throw csmsErrors.notEnabled(s.state);
    return s;
  };
  /** A `{version_id}`: `v<n>`, `latest` or a stage name (ShowSecretVersion, UpdateVersion). */
  const versionOf = (s: SecretRecord, params: Params) => {
    const versionId = checkName('version_id', params.version_id ?? '', VERSION_ID_PATTERN);
    const version = store.resolveVersion(s, versionId);
    if (version === undefined) throw csmsErrors.resourceNotFound(`version ${versionId}`);
    return version;
  };
  /** Writes: refused while pending deletion (CSMS.0107); new versions only for ENABLED secrets (CreateSecretVersion). */
  const writable = (s: SecretRecord) => {
    if (s.state === 'PENDING_DELETE') throw csmsErrors.pendingDeletion();
    if (s.state !== 'ENABLED') throw csmsErrors.notEnabled(s.state);
    return s;
  };

  return [
    {
      operation: 'CreateSecret',
      method: 'POST',
      template: '/v1/{project_id}/secrets',
      action: 'csms:secret:create',
      handle: ({ params, body }) => {
        const request = parseBody(CreateSecretBody, body);
        const value = request.secret_string !== undefined ? { secretString: request.secret_string } : { secretBinary: request.secret_binary! };
        const secret = store.createSecret(params.project_id ?? '', {
          name: request.name,
          value,
          ...(request.description === undefined ? {} : { description: request.description }),
          ...(request.secret_type === undefined ? {} : { secretType: request.secret_type }),
          ...(request.kms_key_id === undefined ? {} : { kmsKeyId: request.kms_key_id }),
          ...(request.enterprise_project_id === undefined ? {} : { enterpriseProjectId: request.enterprise_project_id }),
        });
        return { status: 200, body: { secret: secretModel(secret) } };
      },
    },
    {
      operation: 'ListSecrets',
      method: 'GET',
      template: '/v1/{project_id}/secrets',
      action: 'csms:secret:list',
      handle: ({ params, query }) => {
        const { marker, limit } = parseBody(ListSecretsQuery, Object.fromEntries(query));
        const all = [...store.secrets(params.project_id ?? '').values()].sort((a, b) => a.name.localeCompare(b.name));
        const start = marker === undefined ? 0 : all.findIndex((s) => s.name > marker);
        const page = start < 0 ? [] : all.slice(start, start + limit);
        return { status: 200, body: { secrets: page.map(secretModel), page_info: pageInfo(page.map((s) => s.name), start + limit < all.length) } };
      },
    },
    {
      operation: 'ShowSecret',
      method: 'GET',
      template: '/v1/{project_id}/secrets/{secret_name}',
      action: 'csms:secret:get',
      // metadata only: also answers for a secret pending deletion, which is how its state is learnt
      handle: ({ params }) => ({ status: 200, body: { secret: secretModel(secretOf(params)) } }),
    },
    {
      operation: 'UpdateSecret',
      method: 'PUT',
      template: '/v1/{project_id}/secrets/{secret_name}',
      action: 'csms:secret:update', // not confirmed in the pages we hold
      handle: ({ params, body }) => {
        const secret = secretOf(params);
        // "a secret scheduled for deletion cannot have its metadata updated" (DeleteSecretForSchedule x-constraint)
        if (secret.state === 'PENDING_DELETE') throw csmsErrors.pendingDeletion();
        const request = parseBody(UpdateSecretBody, body);
        if (request.kms_key_id !== undefined) secret.kmsKeyId = request.kms_key_id;
        if (request.description !== undefined) secret.description = request.description;
        if (request.auto_rotation !== undefined) secret.autoRotation = request.auto_rotation;
        if (request.rotation_period !== undefined) secret.rotationPeriod = request.rotation_period;
        if (request.event_subscriptions !== undefined) secret.eventSubscriptions = request.event_subscriptions;
        if (request.rotation_func_urn !== undefined) secret.rotationFuncUrn = request.rotation_func_urn;
        secret.updateTime = now();
        return { status: 200, body: { secret: secretModel(secret) } };
      },
    },
    {
      operation: 'DeleteSecret',
      method: 'DELETE',
      template: '/v1/{project_id}/secrets/{secret_name}',
      action: 'csms:secret:delete',
      handle: ({ params }) => {
        store.deleteSecret(params.project_id ?? '', secretOf(params).name);
        return { status: 200 };
      },
    },
    {
      operation: 'CreateSecretVersion',
      method: 'POST',
      template: '/v1/{project_id}/secrets/{secret_name}/versions',
      action: 'csms:secret:createVersion',
      handle: ({ params, body }) => {
        const secret = writable(secretOf(params));
        const request = parseBody(CreateSecretVersionBody, body);
        const value = request.secret_string !== undefined ? { secretString: request.secret_string } : { secretBinary: request.secret_binary! };
        const version = store.addVersion(secret, value, request.version_stages, request.expire_time);
        return { status: 200, body: { version_metadata: versionMetadata(secret, version) } };
      },
    },
    {
      operation: 'ListSecretVersions',
      method: 'GET',
      template: '/v1/{project_id}/secrets/{secret_name}/versions',
      action: 'csms:secret:listVersions',
      handle: ({ params, query }) => {
        const secret = secretOf(params);
        if (secret.state === 'PENDING_DELETE') throw csmsErrors.pendingDeletionUnusable();
        const { marker, limit } = parseBody(ListVersionsQuery, Object.fromEntries(query));
        const all = [...secret.versions.values()];
        const start = marker === undefined || marker === 'latest' ? 0 : all.findIndex((v) => versionNumber(v.id) > versionNumber(marker));
        const page = start < 0 ? [] : all.slice(start, start + limit);
        return { status: 200, body: { version_metadatas: page.map((v) => versionMetadata(secret, v)), page_info: pageInfo(page.map((v) => v.id), start + limit < all.length) } };
      },
    },
    {
      operation: 'ShowSecretVersion',
      method: 'GET',
      template: '/v1/{project_id}/secrets/{secret_name}/versions/{version_id}',
      action: 'csms:secret:getVersion',
      handle: ({ params }) => {
        const secret = readable(secretOf(params));
        const version = versionOf(secret, params);
        const value = version.secretString !== undefined ? { secret_string: version.secretString } : { secret_binary: version.secretBinary };
        return { status: 200, body: { version: { version_metadata: versionMetadata(secret, version), ...value } } };
      },
    },
    {
      operation: 'UpdateVersion',
      method: 'PUT',
      template: '/v1/{project_id}/secrets/{secret_name}/versions/{version_id}',
      action: 'csms:secret:updateVersion', // not confirmed in the pages we hold
      // "only ENABLED secrets" (UpdateVersion); the expiry is all it changes
      handle: ({ params, body }) => {
        const secret = writable(secretOf(params));
        const version = versionOf(secret, params);
        version.expireTime = parseBody(UpdateVersionBody, body).expire_time;
        return { status: 200, body: { version_metadata: versionMetadata(secret, version) } };
      },
    },
    {
      operation: 'ShowSecretStage',
      method: 'GET',
      template: '/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}',
      action: 'csms:secret:getStage',
      handle: ({ params }) => {
        const secret = secretOf(params);
        if (secret.state === 'PENDING_DELETE') throw csmsErrors.pendingDeletionUnusable();
        return { status: 200, body: { stage: stageModel(secret, checkName('stage_name', params.stage_name ?? '')) } };
      },
    },
    {
      operation: 'UpdateSecretStage',
      method: 'PUT',
      template: '/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}',
      action: 'csms:secret:updateStage',
      handle: ({ params, body }) => {
        const secret = writable(secretOf(params));
        const stage = checkName('stage_name', params.stage_name ?? '');
        const { version_id: versionId } = parseBody(UpdateSecretStageBody, body);
        store.moveStage(secret, stage, versionId);
        return { status: 200, body: { stage: stageModel(secret, stage) } };
      },
    },
    {
      operation: 'DeleteSecretStage',
      method: 'DELETE',
      template: '/v1/{project_id}/secrets/{secret_name}/stages/{stage_name}',
      action: 'csms:secret:deleteStage',
      handle: ({ params }) => {
        const secret = writable(secretOf(params));
        const stage = checkName('stage_name', params.stage_name ?? '');
        if (stage === SYSCURRENT || stage === SYSPREVIOUS) throw csmsErrors.systemStage(stage);
        if (!secret.stages.delete(stage)) throw csmsErrors.resourceNotFound(`stage ${stage}`);
        return { status: 204 };
      },
    },
    {
      operation: 'DeleteSecretForSchedule',
      method: 'POST',
      template: '/v1/{project_id}/secrets/{secret_name}/scheduled-deleted-tasks/create',
      action: 'csms:secret:scheduleDelete',
      handle: ({ params, body }) => {
        const secret = secretOf(params);
        if (secret.state === 'PENDING_DELETE') throw csmsErrors.pendingDeletion();
        const { recovery_window_in_days: days } = parseBody(DeleteSecretForScheduleBody, body);
        secret.state = 'PENDING_DELETE';
        secret.scheduledDeleteTime = now() + days * DAY_MS;
        secret.updateTime = now();
        return { status: 200, body: { secret: secretModel(secret) } };
      },
    },
    {
      operation: 'RestoreSecret',
      method: 'POST',
      template: '/v1/{project_id}/secrets/{secret_name}/scheduled-deleted-tasks/cancel',
      action: 'csms:secret:restoreSecret',
      handle: ({ params }) => {
        const secret = secretOf(params);
        if (secret.state !== 'PENDING_DELETE') throw csmsErrors.notPendingDeletion();
        secret.state = 'ENABLED';
        secret.scheduledDeleteTime = null;
        secret.updateTime = now();
        return { status: 200, body: { secret: secretModel(secret) } };
      },
    },
  ];
}

function versionNumber(id: string): number {
  return Number(id.slice(1));
}

function pageInfo(keys: string[], more: boolean) {
  return {
    current_count: keys.length,
    ...(keys.length > 0 ? { previous_marker: keys[0] } : {}),
    ...(more && keys.length > 0 ? { next_marker: keys.at(-1) } : {}),
  };
}
