/** What an operator can do to rotations, through a Temporal client. The CLI and the tests both use these. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowIdReusePolicy } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import {
  RotationRequest,
  TERMINAL_PHASES,
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
import { abortUpdate, confirmUpdate, deleteNowUpdate, proceedUpdate, restoreUpdate, rotateCredential, statusQuery } from './workflows/rotate-credential';
import { fleetReportQuery, rotateFleet, type FleetRunInput } from './workflows/rotate-fleet';
import { describeFleet, fleetIdFor, type FleetReport } from './rotation/fleet';

/** An operator-facing error: its message is meant to be printed as is. */
export class OperatorError extends Error {
  override readonly name: string = 'OperatorError';
}

/** The providers no longer allow an operator's action: nothing was changed, and the rotation stays where it was. */
export class ActionRefusedError extends OperatorError {
  override readonly name = 'ActionRefusedError';
  constructor(
    message: string,
    /** the rotation as it stays */
    readonly status: RotationStatus | undefined,
  ) {
    super(message);
  }
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

/** Where a demo run from this checkout keeps the settings the CLI needs, when there is one. */
function demoSettingsHint(): string {
  if (!existsSync(path.join(process.cwd(), '.demo', 'env'))) return '';
  return '. A demo was started here: load its settings first with `set -a; . .demo/env; set +a`';
}

/** A Temporal client from the standard configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profile file …). */
export async function connectClient(): Promise<{ client: Client; close(): Promise<void> }> {
  let dataConverter;
  try {
    dataConverter = rotatorDataConverter(keyRingFromEnv());
  } catch (err) {
    throw new OperatorError(`${(err as Error).message}${demoSettingsHint()}`);
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

/** The request as the workflow will read it, or an OperatorError naming every problem. */
export function parseRotationRequest(input: RotationRequestInput): z.infer<typeof RotationRequest> {
  const parsed = RotationRequest.safeParse(input);
  if (!parsed.success) {
    throw new OperatorError(`invalid rotation request: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** Starts a rotation; refuses a second live rotation of the same credential with what to do instead. */
export async function startRotation(client: Client, input: RotationRequestInput): Promise<WorkflowHandleWithFirstExecutionRunId<typeof rotateCredential>> {
  const request = parseRotationRequest(input);
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
    return statusFromFailure(err) ?? statusOfStopped(rotationId, description);
  }
}

/**
 * A rotation Temporal stopped without letting it end (terminated, timed out): what its search attributes last said,
 * and that nobody finished it.
 */
function statusOfStopped(rotationId: string, description: WorkflowExecutionDescription): RotationStatus {
  const attributes = description.typedSearchAttributes;
  const lastPhase = attributes.get(RotationPhaseKey) ?? 'preflight';
  const how = description.status.name.toLowerCase().replace('_', ' ');
  const deleteAt = attributes.get(DeleteAtKey);
  return {
    rotationId,
    phase: 'failed',
    provider: attributes.get(CredentialProviderKey) ?? 'unknown',
    subject: attributes.get(CredentialSubjectKey) ?? rotationId,
    recoveryWindowDays: 0,
    oldCredentialId: null,
    newCredentialId: null,
    deactivatedAt: null,
    deleteAt: deleteAt ? deleteAt.toISOString() : null,
    consumers: [],
    timeline: [{ phase: lastPhase as RotationStatus['phase'], at: description.startTime.toISOString() }],
    problem:
      `the rotation was ${how} by Temporal or an operator at ${description.closeTime?.toISOString() ?? 'an unknown time'}, in ${lastPhase}; ` +
      `nothing it would have done after that was done: check the credential and its consumers by hand (temporal workflow show --workflow-id ${rotationId})`,
    problemType: `Rotation${description.status.name.charAt(0)}${description.status.name.slice(1).toLowerCase().replace(/_(.)/g, (_, c: string) => c.toUpperCase())}`,
  };
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

/**
 * Rotations known to Temporal, newest first, optionally only those in one phase. A rotation Temporal stopped without
 * letting it end (terminated, timed out) still carries the phase it was in: it counts as failed, never as that phase.
 */
export async function listRotations(client: Client, options: { phase?: string; limit?: number } = {}): Promise<RotationListing[]> {
  const clauses = [`WorkflowType = 'rotateCredential'`];
  const phase = options.phase?.replace(/'/g, '');
  if (phase === 'failed') clauses.push(`(RotationPhase = 'failed' OR ExecutionStatus IN ('Terminated', 'TimedOut'))`);
  else if (phase && (TERMINAL_PHASES as readonly string[]).includes(phase)) clauses.push(`RotationPhase = '${phase}'`);
  else if (phase) clauses.push(`RotationPhase = '${phase}' AND ExecutionStatus = 'Running'`);
  const rows: RotationListing[] = [];
  for await (const wf of client.workflow.list({ query: clauses.join(' AND '), pageSize: 100 })) {
    const deleteAt = wf.typedSearchAttributes.get(DeleteAtKey);
    const recorded = wf.typedSearchAttributes.get(RotationPhaseKey) ?? null;
    const stopped = wf.status.name !== 'RUNNING' && !(TERMINAL_PHASES as readonly (string | null)[]).includes(recorded);
    rows.push({
      rotationId: wf.workflowId,
      phase: stopped ? 'failed' : recorded,
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
  return await operatorAction(client, rotationId, 'restore', () => client.workflow.getHandle(rotationId).executeUpdate(restoreUpdate));
}

/** Deletes the old credential now; `confirmCredentialId` must name it. */
export async function deleteNow(client: Client, rotationId: string, confirmCredentialId?: string): Promise<RotationStatus> {
  return await operatorAction(client, rotationId, 'delete-now', (current) =>
    client.workflow.getHandle(rotationId).executeUpdate(deleteNowUpdate, { args: [{ confirmCredentialId: confirmCredentialId ?? current.oldCredentialId ?? '' }] }),
  );
}

/** A person named as a manual consumer (`manual:NAME`) applied the new credential. */
export async function confirmHandOver(client: Client, rotationId: string, consumer: string, by?: string): Promise<RotationStatus> {
  return await operatorAction(client, rotationId, 'confirm', () => client.workflow.getHandle(rotationId).executeUpdate(confirmUpdate, { args: [{ consumer, ...(by ? { by } : {}) }] }));
}

/** Deactivates the old credential without (all) the evidence or confirmations the rotation waits for. */
export async function proceedRotation(client: Client, rotationId: string, by?: string): Promise<RotationStatus> {
  return await operatorAction(client, rotationId, 'proceed', () => client.workflow.getHandle(rotationId).executeUpdate(proceedUpdate, { args: [by ? { by } : {}] }));
}

/** Undoes a rotation that has not deactivated the old credential yet: the old credential stays in use. */
export async function abortRotation(client: Client, rotationId: string, by?: string): Promise<RotationStatus> {
  return await operatorAction(client, rotationId, 'abort', () => client.workflow.getHandle(rotationId).executeUpdate(abortUpdate, { args: [by ? { by } : {}] }));
}

/**
 * An operator's action on a rotation, answered in the rotator's words: done (the status), refused before anything
 * changed (OperatorError: the rotation is not waiting for one), or refused by the providers (ActionRefusedError).
 */
async function operatorAction(client: Client, rotationId: string, action: string, run: (current: RotationStatus) => Promise<RotationStatus>): Promise<RotationStatus> {
  const current = await rotationStatus(client, rotationId);
  if (TERMINAL_PHASES.includes(current.phase)) throw new OperatorError(`${action} of ${rotationId} was refused: ${endedAs(current)}, so there is nothing to ${action}`);
  try {
    return await run(current);
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    const cause = err.cause;
    if (cause instanceof ApplicationFailure && cause.type === 'ActionRefused') throw new ActionRefusedError(`${cause.message} (${rotationId})`, cause.details?.[0] as RotationStatus | undefined);
    // the rotation ended while the request was on its way (a timer fired, another operator acted)
    const now = await rotationStatus(client, rotationId);
    if (TERMINAL_PHASES.includes(now.phase)) throw new OperatorError(`${action} of ${rotationId} was refused: ${endedAs(now)} meanwhile, so there is nothing to ${action}`);
    throw new OperatorError(`${action} of ${rotationId} was refused: ${cause?.message ?? err.message}`);
  }
}

function endedAs(status: RotationStatus): string {
  const at = status.timeline.at(-1)?.at;
  return `the rotation already ended ${status.phase}${at ? ` at ${at}` : ''}${status.problem ? ` (${status.problem})` : ''}`;
}

/** Starts a run of a fleet; refuses while the previous run of the same fleet is still going. */
export async function startFleet(client: Client, input: FleetRunInput): Promise<string> {
  const fleetId = fleetIdFor(input.selection);
  try {
    await client.workflow.start(rotateFleet, {
      workflowId: fleetId,
      taskQueue: ROTATIONS_TASK_QUEUE,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      staticSummary: describeFleet(input.selection),
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    throw new OperatorError(`a run of this fleet is still going as ${fleetId}: wait for it (rotator fleet … --wait shows it), or watch it in the Temporal UI`);
  }
  return fleetId;
}

/** Where a fleet run stands: its report so far, or its result once it ended. */
export async function fleetReport(client: Client, fleetId: string): Promise<{ done: boolean; report: FleetReport }> {
  const handle = client.workflow.getHandle<typeof rotateFleet>(fleetId);
  const description = await handle.describe();
  if (description.status.name === 'RUNNING') return { done: false, report: await handle.query(fleetReportQuery) };
  return { done: true, report: await handle.result() };
}

export { runningRotationIds } from './running-rotations';
/** One run of a fleet at a time: its id says which fleet (src/rotation/fleet.ts). */
export { fleetIdFor } from './rotation/fleet';
