/** What an operator can do to rotations, through a Temporal client. The CLI and the tests both use these. */
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import {
  RotationRequest,
  consumerLabel,
  consumerMode,
  rotationIdFor,
  sourceProvider,
  subjectOf,
  type RotationRequestInput,
  type RotationStatus,
} from './rotation/model';
import { CredentialProviderKey, CredentialSubjectKey, DeleteAtKey, RotationPhaseKey } from './rotation/search-attributes';
import { ROTATIONS_TASK_QUEUE } from './rotation/task-queues';
import { rotatorDataConverter } from './codec/data-converter';
import { keyRingFromEnv } from './codec/key-ring';
import { deleteNowUpdate, restoreUpdate, rotateCredential, statusQuery } from './workflows/rotate-credential';

/** An operator-facing error: its message is meant to be printed as is. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
}

/** The one wording for "no Temporal server there", for the CLI and the worker alike. */
export function temporalUnreachable(address: string, err: unknown): OperatorError {
  return new OperatorError(`cannot reach Temporal at ${address}: ${(err as Error).message}. Is the server running? Set TEMPORAL_ADDRESS (and TEMPORAL_NAMESPACE) or a temporal.toml profile.`);
}

/**
 * Where and how to reach Temporal, from the standard client configuration shared by every Temporal SDK and CLI:
 * a `temporal.toml` profile (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * TEMPORAL_API_KEY, TEMPORAL_TLS* and TEMPORAL_GRPC_META_*. A missing profile or unreadable TLS file is an operator error.
 */
export function temporalConnectConfig(env: NodeJS.ProcessEnv = process.env): { address: string; namespace: string; connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'] } {
  let config: ReturnType<typeof loadClientConnectConfig>;
  try {
    config = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    const file = env.TEMPORAL_CONFIG_FILE ?? 'the default temporal.toml';
    throw new OperatorError(`Temporal client configuration (${file}${env.TEMPORAL_PROFILE ? `, profile '${env.TEMPORAL_PROFILE}'` : ''}): ${(err as Error).message}`);
  }
  return {
    address: config.connectionOptions.address ?? 'localhost:7233',
    namespace: config.namespace ?? 'default',
    connectionOptions: config.connectionOptions,
  };
}

/** A Temporal client from the standard configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profile file …). */
export async function connectClient(): Promise<{ client: Client; close(): Promise<void> }> {
  let dataConverter;
  try {
    dataConverter = rotatorDataConverter(keyRingFromEnv());
  } catch (err) {
    throw new OperatorError((err as Error).message);
  }
  const { address, namespace, connectionOptions } = temporalConnectConfig();
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions, connectTimeout: '5 seconds' });
  } catch (err) {
    throw temporalUnreachable(address, err);
  }
  return { client: new Client({ connection, namespace, dataConverter }), close: () => connection.close() };
}

/** Starts a rotation; refuses a second live rotation of the same credential with what to do instead. */
export async function startRotation(client: Client, input: RotationRequestInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof rotateCredential>> {
  const parsed = RotationRequest.safeParse(input);
  if (!parsed.success) {
    throw new OperatorError(`invalid rotation request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`);
  }
  const request = parsed.data;
  const rotationId = rotationIdFor(request.source);
  try {
    return await client.workflow.start(rotateCredential, {
      workflowId: rotationId,
      taskQueue: ROTATIONS_TASK_QUEUE,
      args: [request],
      // a finished rotation (any ending) may be followed by a new one; a running one may not
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: RotationPhaseKey, value: 'preflight' },
        { key: CredentialProviderKey, value: sourceProvider(request.source) },
        { key: CredentialSubjectKey, value: subjectOf(request.source) },
      ],
      staticSummary: `Rotate ${subjectOf(request.source)} → ${request.consumers.map(consumerLabel).join(', ')}`,
      staticDetails: `Recovery window ${request.recoveryWindowDays} days. Consumers: ${request.consumers.map((c) => `${consumerLabel(c)} (${consumerMode(c)})`).join(', ')}.`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const running = await rotationStatus(client, rotationId).catch(() => null);
    const hint =
      running?.phase === 'pending-deletion'
        ? `the previous rotation is in its recovery window until ${running.deleteAt}; run 'rotator delete-now ${rotationId} --yes' or 'rotator restore ${rotationId}' first`
        : `the previous rotation is still running (phase ${running?.phase ?? 'unknown'}); wait for it with 'rotator status ${rotationId}'`;
    throw new OperatorError(`a rotation of ${subjectOf(request.source)} is already running as ${rotationId}: ${hint}`);
  }
}

/**
 * The status of the latest rotation with this id. A running rotation answers a query (a worker must be up);
 * a closed one is read from its result or failure, so no worker is needed.
 */
export async function rotationStatus(client: Client, rotationId: string): Promise<RotationStatus> {
  const handle = client.workflow.getHandle<typeof rotateCredential>(rotationId);
  let description;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new OperatorError(`no rotation with id '${rotationId}' (ids look like aws-iam:<account>:<user>; see 'rotator list')`);
    throw err;
  }
  if (description.status.name === 'RUNNING') {
    return await handle.query(statusQuery);
  }
  try {
    return await handle.result();
  } catch (err) {
    const status = statusFromFailure(err);
    if (status) return status;
    throw new OperatorError(`rotation ${rotationId} ended ${description.status.name.toLowerCase()} without a status: ${(err as Error).message}`);
  }
}

function statusFromFailure(err: unknown): RotationStatus | null {
  if (!(err instanceof WorkflowFailedError)) return null;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.details?.[0] && typeof cause.details[0] === 'object') {
    return cause.details[0] as RotationStatus;
  }
  return null;
}

export interface RotationListing {
  rotationId: string;
  phase: string | null;
  subject: string | null;
  deleteAt: string | null;
  status: string;
  startTime: string;
}

/** Rotations known to Temporal, newest first, optionally only those in one phase. */
export async function listRotations(client: Client, options: { phase?: string; limit?: number } = {}): Promise<RotationListing[]> {
  const clauses = [`WorkflowType = 'rotateCredential'`];
  if (options.phase) clauses.push(`RotationPhase = '${options.phase.replace(/'/g, '')}'`);
  const rows: RotationListing[] = [];
  for await (const wf of client.workflow.list({ query: clauses.join(' AND '), pageSize: 100 })) {
    const deleteAt = wf.typedSearchAttributes.get(DeleteAtKey);
    rows.push({
      rotationId: wf.workflowId,
      phase: wf.typedSearchAttributes.get(RotationPhaseKey) ?? null,
      subject: wf.typedSearchAttributes.get(CredentialSubjectKey) ?? null,
      deleteAt: deleteAt ? deleteAt.toISOString() : null,
      status: wf.status.name,
      startTime: wf.startTime.toISOString(),
    });
    if (options.limit && rows.length >= options.limit) break;
  }
  return rows;
}

/** Re-enables the old credential of a rotation in its recovery window; ends `restored`. */
export async function restoreRotation(client: Client, rotationId: string): Promise<RotationStatus> {
  await rotationStatus(client, rotationId); // a clear "no such rotation" before the update
  try {
    return await client.workflow.getHandle(rotationId).executeUpdate(restoreUpdate);
  } catch (err) {
    throw updateRejected(err, 'restore', rotationId);
  }
}

/** Deletes the old credential now; `confirmCredentialId` must name it. */
export async function deleteNow(client: Client, rotationId: string, confirmCredentialId?: string): Promise<RotationStatus> {
  const current = await rotationStatus(client, rotationId);
  const confirm = confirmCredentialId ?? current.oldCredentialId ?? '';
  try {
    return await client.workflow.getHandle(rotationId).executeUpdate(deleteNowUpdate, { args: [{ confirmCredentialId: confirm }] });
  } catch (err) {
    throw updateRejected(err, 'delete-now', rotationId);
  }
}

function updateRejected(err: unknown, action: string, rotationId: string): Error {
  const e = err as Error & { cause?: Error };
  const reason = e.cause?.message ?? e.message;
  return new OperatorError(`${action} of ${rotationId} was refused: ${reason}`);
}
