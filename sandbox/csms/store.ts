import { randomUUID } from 'node:crypto';
import { csmsErrors } from './errors';

/** The two stages CSMS maintains itself (UpdateSecretStage x-constraint). */
export const SYSCURRENT = 'SYSCURRENT';
export const SYSPREVIOUS = 'SYSPREVIOUS';

export type SecretState = 'ENABLED' | 'DISABLED' | 'PENDING_DELETE' | 'FROZEN';

/** An account as the sandbox starts with it: AK/SK pairs, static IAM tokens, and its projects with their secrets. */
export interface AccountSeed {
  readonly credentials?: readonly { readonly accessKey: string; readonly secretKey: string }[];
  /** accepted as `X-Auth-Token` (the spec's documented header); real tokens come from IAM `/v3/auth/tokens` */
  readonly tokens?: readonly string[];
  /** project ids: 32–64 characters in the spec */
  readonly projects: readonly string[];
}

export interface VersionRecord {
  readonly id: string;
  readonly secretString?: string;
  readonly secretBinary?: string;
  /** epoch ms */
  readonly createTime: number;
  expireTime?: number;
  /** the secret's key when the version was made: UpdateSecret's new key applies to new versions only */
  readonly kmsKeyId: string;
}

export interface StageRecord {
  versionId: string;
  updateTime: number;
}

export interface SecretRecord {
  readonly id: string;
  readonly name: string;
  state: SecretState;
  kmsKeyId: string;
  description: string;
  readonly secretType: string;
  readonly createTime: number;
  updateTime: number;
  scheduledDeleteTime: number | null;
  readonly enterpriseProjectId: string;
  /** UpdateSecret's other metadata, kept and echoed; no rotation is modelled */
  autoRotation: boolean;
  rotationPeriod?: string;
  eventSubscriptions?: string[];
  rotationFuncUrn?: string;
  /** in creation order */
  readonly versions: Map<string, VersionRecord>;
  readonly stages: Map<string, StageRecord>;
  nextVersion: number;
}

export interface StoreLimits {
  readonly secretsPerProject: number;
  readonly versionsPerSecret: number;
  readonly stagesPerSecret: number;
}

/** The `csms/default` master key every secret in the sandbox is "encrypted" with. */
const DEFAULT_KMS_KEY_ID = '1f6c5e2a-8d4b-4c3e-9a7f-0b2d6e8c4a10';

/** Everything the sandbox knows: accounts, their projects and secrets. One instance models one region's endpoint. */
export class CsmsStore {
  private readonly secretKeys = new Map<string, { secretKey: string; account: number }>();
  private readonly tokens = new Map<string, number>();
  private readonly projects = new Map<string, { account: number; secrets: Map<string, SecretRecord> }>();

  constructor(
    accounts: readonly AccountSeed[],
    readonly limits: StoreLimits,
    private readonly now: () => number,
  ) {
    accounts.forEach((account, index) => {
      for (const { accessKey, secretKey } of account.credentials ?? []) this.secretKeys.set(accessKey, { secretKey, account: index });
      for (const token of account.tokens ?? []) this.tokens.set(token, index);
      for (const projectId of account.projects) this.projects.set(projectId, { account: index, secrets: new Map() });
    });
  }

  /** The secret key and account of an AK, if the sandbox knows it. */
  accessKey(accessKey: string): { secretKey: string; account: number } | undefined {
    return this.secretKeys.get(accessKey);
  }

  tokenAccount(token: string): number | undefined {
    return this.tokens.get(token);
  }

  projectAccount(projectId: string): number | undefined {
    return this.projects.get(projectId)?.account;
  }

  /** The project's secrets, after purging those whose scheduled deletion time has passed. */
  secrets(projectId: string): Map<string, SecretRecord> {
    const project = this.projects.get(projectId);
    if (project === undefined) throw csmsErrors.resourceNotFound(`project ${projectId}`);
    const now = this.now();
    for (const [name, secret] of project.secrets) {
      if (secret.state === 'PENDING_DELETE' && secret.scheduledDeleteTime !== null && secret.scheduledDeleteTime <= now) project.secrets.delete(name);
    }
    return project.secrets;
  }

  secret(projectId: string, name: string): SecretRecord {
    const secret = this.secrets(projectId).get(name);
    if (secret === undefined) throw csmsErrors.secretNotFound();
    return secret;
  }

  createSecret(projectId: string, input: { name: string; description?: string; secretType?: string; kmsKeyId?: string; enterpriseProjectId?: string; value: Value }): SecretRecord {
    const secrets = this.secrets(projectId);
    if (secrets.has(input.name)) throw csmsErrors.invalidParameter(`The secret ${input.name} already exists.`);
    if (secrets.size >= this.limits.secretsPerProject) throw csmsErrors.secretQuota(this.limits.secretsPerProject);
    const now = this.now();
    const secret: SecretRecord = {
      id: randomUUID(),
      name: input.name,
      state: 'ENABLED',
      kmsKeyId: input.kmsKeyId ?? DEFAULT_KMS_KEY_ID,
      description: input.description ?? '',
      secretType: input.secretType ?? 'COMMON',
      createTime: now,
      updateTime: now,
      scheduledDeleteTime: null,
      enterpriseProjectId: input.enterpriseProjectId ?? '0',
      autoRotation: false,
      versions: new Map(),
      stages: new Map(),
      nextVersion: 1,
    };
    secrets.set(secret.name, secret);
    // the initial version is tagged SYSCURRENT (CreateSecret)
    this.addVersion(secret, input.value, undefined);
    return secret;
  }

  /**
   * A new version `v<n>`. Without `stages` it takes SYSCURRENT, and the version that held SYSCURRENT takes SYSPREVIOUS
   * (CreateSecretVersion). At the version cap the oldest version without a stage is dropped: unstaged versions are
   * "deprecated and may be deleted automatically" and at most 12 of 20 can hold a stage.
   */
  addVersion(secret: SecretRecord, value: Value, stages: readonly string[] | undefined, expireTime?: number): VersionRecord {
    const wanted = stages ?? [SYSCURRENT];
    const newStages = wanted.filter((s) => !secret.stages.has(s)).length;
    if (secret.stages.size + newStages > this.limits.stagesPerSecret) throw csmsErrors.stageQuota(this.limits.stagesPerSecret);
    if (secret.versions.size >= this.limits.versionsPerSecret) {
      const staged = new Set([...secret.stages.values()].map((s) => s.versionId));
      const deprecated = [...secret.versions.keys()].find((id) => !staged.has(id));
      if (deprecated === undefined) throw csmsErrors.invalidRequest(`The secret already has ${this.limits.versionsPerSecret} versions.`);
      secret.versions.delete(deprecated);
    }
    const now = this.now();
    const version: VersionRecord = { id: `v${secret.nextVersion++}`, ...value, createTime: now, kmsKeyId: secret.kmsKeyId, ...(expireTime === undefined ? {} : { expireTime }) };
    secret.versions.set(version.id, version);
    const previousCurrent = secret.stages.get(SYSCURRENT)?.versionId;
    for (const stage of wanted) secret.stages.set(stage, { versionId: version.id, updateTime: now });
    if (wanted.includes(SYSCURRENT) && previousCurrent !== undefined && !wanted.includes(SYSPREVIOUS)) {
      secret.stages.set(SYSPREVIOUS, { versionId: previousCurrent, updateTime: now });
    }
    secret.updateTime = now;
    return version;
  }

  /** Moves (or creates) a stage onto a version; only that stage moves (UpdateSecretStage x-constraint). */
  moveStage(secret: SecretRecord, stage: string, versionId: string): StageRecord {
    if (!secret.versions.has(versionId)) throw csmsErrors.resourceNotFound(`version ${versionId}`);
    if (!secret.stages.has(stage) && secret.stages.size >= this.limits.stagesPerSecret) throw csmsErrors.stageQuota(this.limits.stagesPerSecret);
    const record = { versionId, updateTime: this.now() };
    secret.stages.set(stage, record);
    secret.updateTime = record.updateTime;
    return record;
  }

  /** The version a `{version_id}` names: `v<n>`, `latest` (the newest), or a stage name (the version holding that stage). */
  resolveVersion(secret: SecretRecord, versionId: string): VersionRecord | undefined {
    if (versionId === 'latest') return [...secret.versions.values()].at(-1);
    const stage = secret.versions.has(versionId) ? undefined : secret.stages.get(versionId);
    return secret.versions.get(stage?.versionId ?? versionId);
  }

  /** Versions holding each stage, for a version's `version_stages`. */
  stagesOf(secret: SecretRecord, versionId: string): string[] {
    return [...secret.stages.entries()].filter(([, s]) => s.versionId === versionId).map(([name]) => name);
  }

  deleteSecret(projectId: string, name: string): void {
    this.secret(projectId, name);
    this.secrets(projectId).delete(name);
  }
}

export type Value = { secretString: string; secretBinary?: undefined } | { secretBinary: string; secretString?: undefined };
