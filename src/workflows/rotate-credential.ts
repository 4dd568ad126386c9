/**
 * One rotation of one credential:
 * preflight → creating → verifying → registering → deactivating → pending-deletion → deleting → completed,
 * or compensating → failed, or restored. Deterministic: no I/O here, only activities, timers and state.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  isCancellation,
  patched,
  sleep,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { ConsumerActivities, RestorePoint } from '../activities/consumer';
import type { SealedCredential, SourceActivities } from '../activities/source';
// schemas.ts, not model.ts: the request schema is built to parse the input, then dropped (model.ts would keep one copy
// of every schema in each cached rotation)
import {
  TERMINAL_PHASES,
  consumerHome,
  consumerLabel,
  consumerMode,
  defineRotationSchemas,
  rotationIdFor,
  sourceProvider,
  subjectOf,
  type ConsumerSpec,
  type ConsumerState,
  type DeleteNowInput,
  type Phase,
  type RotationRequestInput,
  type RotationStatus,
} from '../rotation/schemas';
import { CredentialProviderKey, CredentialSubjectKey, DeleteAtKey, RotationPhaseKey } from '../rotation/search-attributes';
import { consumerTaskQueue, sourceTaskQueue } from '../rotation/task-queues';

export const statusQuery = defineQuery<RotationStatus>('status');
/** Re-enables the old credential during the recovery window; consumers keep the new one. */
export const restoreUpdate = defineUpdate<RotationStatus>('restore');
/** Deletes the old credential now instead of at `deleteAt`; the caller must name it. */
export const deleteNowUpdate = defineUpdate<RotationStatus, [DeleteNowInput]>('deleteNow');

const DAY_MS = 24 * 60 * 60 * 1000;

// Provider calls: Temporal is the only retry layer; providers' own advice arrives as nextRetryDelay. Bounded by time,
// not attempts: a throttled provider may refuse many calls in a row, while a wrong request fails on its first attempt.
const providerCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};
// A new IAM key takes ~5–15 s to work: poll with backoff, 8 attempts (~46 s of polling). Bounded by attempts, not by
// schedule-to-close: time queued behind the provider's rate limit or with no worker running must not fail a good key.
const verification: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 1.5, maximumInterval: '10 seconds', maximumAttempts: 8 },
};
// The final deletion may come weeks after the request: keep trying transient faults for a day before failing.
const eventualDeletion: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes' },
};

/** Rotates the credential named in the request and keeps every consumer holding a credential that works. */
export async function rotateCredential(input: RotationRequestInput): Promise<RotationStatus> {
  const parsed = defineRotationSchemas().RotationRequest.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid rotation request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      'InvalidRotationRequest',
    );
  }
  const request = parsed.data;
  const { source } = request;

  const src = proxyActivities<SourceActivities<SealedCredential>>({ ...providerCall, taskQueue: sourceTaskQueue(source) });
  const verifier = proxyActivities<SourceActivities<SealedCredential>>({ ...verification, taskQueue: sourceTaskQueue(source) });
  const finalDelete = proxyActivities<SourceActivities<SealedCredential>>({ ...eventualDeletion, taskQueue: sourceTaskQueue(source) });
  const consumerOf = (c: ConsumerSpec) => proxyActivities<ConsumerActivities<SealedCredential>>({ ...providerCall, taskQueue: consumerTaskQueue(c) });
  const finalConsumerOf = (c: ConsumerSpec) => proxyActivities<ConsumerActivities<SealedCredential>>({ ...eventualDeletion, taskQueue: consumerTaskQueue(c) });

  const status: RotationStatus = {
    rotationId: rotationIdFor(source),
    phase: 'preflight',
    provider: sourceProvider(source),
    subject: subjectOf(source),
    recoveryWindowDays: request.recoveryWindowDays,
    pickupGraceSeconds: request.pickupGraceSeconds,
    oldCredentialId: null,
    newCredentialId: null,
    deactivatedAt: null,
    deleteAt: null,
    consumers: request.consumers.map((c) => ({
      consumer: consumerLabel(c),
      mode: consumerMode(c),
      credentialsId: consumerHome(c),
      holds: null,
      state: 'pending',
    })),
    timeline: [],
    problem: null,
    problemType: null,
  };
  let requested: 'restore' | 'delete-now' | undefined;

  const enter = (phase: Phase) => {
    status.phase = phase;
    status.timeline.push({ phase, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: RotationPhaseKey, value: phase }]);
    setCurrentDetails(renderDetails(status));
  };
  const finished = () => TERMINAL_PHASES.includes(status.phase);

  setHandler(statusQuery, () => status);
  setHandler(
    restoreUpdate,
    async () => {
      requested = 'restore';
      await condition(finished);
      return status;
    },
    { validator: () => assertActionAllowed(status, requested, 'restore') },
  );
  setHandler(
    deleteNowUpdate,
    async () => {
      requested = 'delete-now';
      await condition(finished);
      return status;
    },
    {
      validator: (arg: DeleteNowInput) => {
        assertActionAllowed(status, requested, 'delete-now');
        if (arg?.confirmCredentialId !== status.oldCredentialId) {
          throw new Error(
            `delete-now must be confirmed with the old credential id ${status.oldCredentialId}; got '${arg?.confirmCredentialId ?? ''}'`,
          );
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: CredentialProviderKey, value: status.provider },
    { key: CredentialSubjectKey, value: status.subject },
  ]);

  // Undo steps, newest first; each reads the providers before acting so it never cuts a consumer off.
  const compensations: { what: string; run: () => Promise<string | void> }[] = [];
  // the new credential's secret stays sealed here: only the activities that hand it to a provider open it
  let created: SealedCredential | undefined;
  // per consumer, where it can be put back to (planConsumer gives one only to consumers that can roll back, e.g. CSMS)
  const restorePoints: (RestorePoint | undefined)[] = [];

  try {
    // ── preflight: reads only ───────────────────────────────────────────────────────────────────
    enter('preflight');
    const inspection = await src.inspectSource({ source });
    status.subject = inspection.subject;
    upsertSearchAttributes([{ key: CredentialSubjectKey, value: status.subject }]);
    const keys = inspection.credentials;
    const listing = keys.map((k) => `${k.id} (${k.status}, created ${k.createdAt})`).join(' and ');
    if (keys.length >= inspection.maxCredentials) {
      throw ApplicationFailure.nonRetryable(
        `${status.subject} already has ${keys.length} credentials, the most it may hold: ${listing}. No change was made. ` +
          `Finish or restore the rotation that left the second one, or delete the one no consumer uses (never an Active key in use), then start again.`,
        'CredentialLimitReached',
      );
    }
    const active = keys.filter((k) => k.status === 'Active');
    if (active.length !== 1) {
      throw ApplicationFailure.nonRetryable(
        keys.length === 0
          ? `${status.subject} has no credential to rotate. No change was made.`
          : `${status.subject} must have exactly one Active credential to rotate; it has ${listing}. No change was made.`,
        'NoSingleActiveCredential',
      );
    }
    const oldCredential = active[0]!;
    status.oldCredentialId = oldCredential.id;
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    for (const [i, consumer] of request.consumers.entries()) {
      const plan = await consumerOf(consumer).planConsumer({ consumer, source, today });
      Object.assign(status.consumers[i]!, { credentialsId: plan.targetCredentialsId, holds: plan.holds });
      restorePoints[i] = plan.restorePoint;
    }

    // ── creating ──────────────────────────────────────────────────────────────────────────────
    enter('creating');
    const notBefore = new Date().toISOString();
    // registered before the call: a lost response may have minted a key we must not leave behind
    compensations.unshift({
      what: 'delete the new credential',
      run: async () => {
        const newId = created?.id;
        if (!newId) return 'no new credential was recorded';
        const holders = await consumersHolding(newId);
        if (holders.length > 0) return `kept new credential ${newId} Active: ${holders.join(', ')} hold it`;
        await src.destroyCredential({ source, credentialId: newId });
        return `deleted new credential ${newId}`;
      },
    });
    created = await src.createCredential({ source, knownIds: keys.map((k) => k.id), notBefore });
    status.newCredentialId = created.id;

    // ── verifying: before any consumer sees it ───────────────────────────────────────────────
    enter('verifying');
    await verifier.verifyCredential({ source, credential: created, subject: inspection.subject });

    // ── registering ───────────────────────────────────────────────────────────────────────────
    enter('registering');
    for (const [i, consumer] of request.consumers.entries()) {
      const state = status.consumers[i]!;
      compensations.unshift({ what: `roll back ${state.consumer}`, run: () => rollBackConsumer(consumer, state, restorePoints[i]) });
      const reading = await consumerOf(consumer).putCredential({
        consumer,
        source,
        targetCredentialsId: state.credentialsId,
        credential: created,
      });
      state.holds = reading.holds;
      state.state = 'registered';
      setCurrentDetails(renderDetails(status));
    }

    // consumers that read the old credential just before the switch (or cache it) get time to move on
    if (patched('consumer-pickup-grace') && request.pickupGraceSeconds > 0) {
      setCurrentDetails(`${renderDetails(status)}\n\nwaiting ${request.pickupGraceSeconds} s for consumers to pick up the new credential`);
      await sleep(request.pickupGraceSeconds * 1000);
    }

    // ── deactivating: only now that every consumer holds the new credential ─────────────────
    enter('deactivating');
    compensations.unshift({
      what: `re-enable old credential ${oldCredential.id}`,
      run: async () => {
        await src.setCredentialEnabled({ source, credentialId: oldCredential.id, enabled: true });
        return `old credential ${oldCredential.id} is Active`;
      },
    });
    let deleteAt: Date;
    if (patched('window-fixed-before-deactivation')) {
      // the window is fixed before the call, so a source can keep the old credential restorable until its very end
      const deactivation = Date.now();
      deleteAt = new Date(deactivation + request.recoveryWindowDays * DAY_MS);
      await src.setCredentialEnabled({ source, credentialId: oldCredential.id, enabled: false, restorableUntil: deleteAt.toISOString() });
      status.deactivatedAt = new Date(deactivation).toISOString();
    } else {
      // rotations started before the patch replay their original window, counted from after the call
      await src.setCredentialEnabled({ source, credentialId: oldCredential.id, enabled: false });
      status.deactivatedAt = new Date().toISOString();
      deleteAt = new Date(Date.now() + request.recoveryWindowDays * DAY_MS);
    }
    status.deleteAt = deleteAt.toISOString();
    upsertSearchAttributes([{ key: DeleteAtKey, value: deleteAt }]);
    compensations.length = 0; // from here on the recovery window is the undo
  } catch (err) {
    await compensate(err);
    throw ApplicationFailure.nonRetryable(status.problem ?? 'rotation failed', failureType(err), status);
  }

  // ── pending-deletion: a durable timer that outlives worker and server restarts ──────────────
  enter('pending-deletion');
  try {
    await condition(() => requested !== undefined, Date.parse(status.deleteAt!) - Date.now());
  } catch (err) {
    // cancelling a rotation in its window keeps the old credential: the safe reading of "stop"
    if (!isCancellation(err)) throw err;
    requested = 'restore';
  }

  const oldId = status.oldCredentialId!;
  if (requested === 'restore') {
    await CancellationScope.nonCancellable(() => src.setCredentialEnabled({ source, credentialId: oldId, enabled: true }));
    upsertSearchAttributes([{ key: DeleteAtKey, value: null }]);
    status.deleteAt = null;
    enter('restored');
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished)); // a cancel that led here must not undo the ending
    return status;
  }

  // ── deleting ──────────────────────────────────────────────────────────────────────────────────
  enter('deleting');
  try {
    await CancellationScope.nonCancellable(async () => {
      await finalDelete.destroyCredential({ source, credentialId: oldId });
      for (const [i, consumer] of request.consumers.entries()) {
        const state = status.consumers[i]!;
        // versioned mode leaves the old set holding the old, now deleted, key: remove it with the key
        if (consumerMode(consumer) === 'versioned' && state.credentialsId !== consumerHome(consumer)) {
          await finalConsumerOf(consumer).removeCredentialsSet({ consumer, credentialsId: consumerHome(consumer) });
          state.note = `old set ${consumerHome(consumer)} deleted`;
        }
      }
    });
  } catch (err) {
    status.problem =
      `deleting old credential ${oldId} failed: ${rootMessage(err)}. Consumers hold ${status.newCredentialId}; ` +
      `${oldId} is Inactive. Delete it by hand once the cause is fixed.`;
    status.problemType = failureType(err);
    enter('failed');
    throw ApplicationFailure.nonRetryable(status.problem, failureType(err), status);
  }
  enter('completed');
  await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  return status;

  // ── helpers that need the rotation's state ───────────────────────────────────────────────────

  async function consumersHolding(credentialId: string): Promise<string[]> {
    const holders: string[] = [];
    for (const [i, consumer] of request.consumers.entries()) {
      const state = status.consumers[i]!;
      const reading = await consumerOf(consumer).readConsumer({ consumer, credentialsId: state.credentialsId });
      state.holds = reading.exists ? reading.holds : null;
      if (reading.exists && reading.holds === credentialId) holders.push(`${state.consumer} (set ${state.credentialsId})`);
    }
    return holders;
  }

  async function rollBackConsumer(consumer: ConsumerSpec, state: ConsumerState, restorePoint: RestorePoint | undefined): Promise<string> {
    const home = consumerHome(consumer);
    if (state.credentialsId !== home) {
      // versioned: the new set is ours alone and nothing reads it yet, so removing it cuts nobody off
      await consumerOf(consumer).removeCredentialsSet({ consumer, credentialsId: state.credentialsId });
      state.state = 'rolled-back';
      state.note = `new set ${state.credentialsId} removed; software keeps reading ${home}`;
      state.credentialsId = home;
      state.holds = (await consumerOf(consumer).readConsumer({ consumer, credentialsId: home })).holds;
      return state.note;
    }
    if (restorePoint !== undefined && created) {
      // the consumer can put its previous credential back (CSMS: SYSCURRENT moves back to the version it was on)
      const rolledBack = await consumerOf(consumer).rollBackConsumer({ consumer, credentialsId: state.credentialsId, restorePoint, newCredentialId: created.id });
      state.holds = rolledBack.holds;
      state.state = 'rolled-back';
      state.note = rolledBack.detail;
      return `${state.consumer} ${state.note}`;
    }
    // update mode: the old secret was never known to the rotator, so the set cannot be put back
    const reading = await consumerOf(consumer).readConsumer({ consumer, credentialsId: state.credentialsId });
    state.holds = reading.holds;
    if (created && reading.holds === created.id) {
      state.state = 'failed';
      state.note = `holds the new credential, which therefore stays Active (the old secret is not known to the rotator, so the set cannot be put back)`;
    } else {
      state.state = 'rolled-back';
      state.note = `untouched`;
    }
    return `${state.consumer} ${state.note}`;
  }

  async function compensate(err: unknown): Promise<void> {
    const failedIn = status.phase;
    const outcomes: string[] = [];
    if (compensations.length > 0) {
      enter('compensating');
      // compensations must run even when the workflow itself is being cancelled
      await CancellationScope.nonCancellable(async () => {
        for (const step of compensations) {
          try {
            const outcome = await step.run();
            if (outcome) outcomes.push(outcome);
          } catch (stepErr) {
            outcomes.push(`could not ${step.what}: ${rootMessage(stepErr)}`);
          }
        }
      });
    }
    const holdings = status.consumers
      .map((c) => `${c.consumer} → set ${c.credentialsId} holds ${c.holds ?? 'nothing'}`)
      .join('; ');
    status.problem =
      `rotation failed in ${failedIn}: ${rootMessage(err)}` +
      (outcomes.length > 0 ? ` | compensation: ${outcomes.join('; ')}` : '') +
      (status.newCredentialId ? ` | now: ${holdings}` : '');
    status.problemType = failureType(err);
    enter('failed');
  }
}

function assertActionAllowed(status: RotationStatus, requested: string | undefined, action: string): void {
  if (status.phase !== 'pending-deletion') {
    throw new Error(`${action} is only possible while the rotation is in pending-deletion; it is in ${status.phase}`);
  }
  if (requested) throw new Error(`${requested} was already requested for this rotation`);
}

/** The innermost message: the provider's classified error, not Temporal's "Activity task failed" wrapper. */
function rootMessage(err: unknown): string {
  if (isCancellation(err)) return 'the rotation was cancelled';
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

function failureType(err: unknown): string {
  if (isCancellation(err)) return 'RotationCancelled';
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  return e instanceof ApplicationFailure && e.type ? e.type : 'RotationFailed';
}

/** Markdown shown as the workflow's current details in the Temporal UI. */
function renderDetails(status: RotationStatus): string {
  const lines = [
    `**${status.phase}** — ${status.subject}`,
    `old: ${status.oldCredentialId ?? '–'} · new: ${status.newCredentialId ?? '–'}${status.deleteAt ? ` · deleteAt: ${status.deleteAt}` : ''}`,
    '',
    ...status.consumers.map((c) => `- ${c.consumer} → ${c.credentialsId}: ${c.state}${c.holds ? ` (holds ${c.holds})` : ''}`),
    '',
    ...status.timeline.map((t) => `- ${t.at} ${t.phase}`),
  ];
  if (status.problem) lines.push('', `problem: ${status.problem}`);
  return lines.join('\n');
}
