/**
 * A rotation's long-lived state in one place (as Temporal's safe-message-handlers sample keeps a ClusterManager): what
 * `status` returns, how the UI shows it, the operator's requests, and the undo steps of the saga.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  defineUpdate,
  isCancellation,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { consumerHome, consumerLabel, consumerMode, rotationIdFor, sourceProvider, subjectOf } from '../rotation/registry';
import { TERMINAL_PHASES, type ConsumerState, type DeleteNowInput, type Phase, type RotationRequest, type RotationStatus } from '../rotation/schemas';
import { CredentialProviderKey, CredentialSubjectKey, DeleteAtKey, RotationPhaseKey } from '../rotation/search-attributes';
import { failureType, rootMessage } from './failures';
import { RotationMetrics } from './rotation-metrics';
import { Notifier } from './notifications';
import type { EventType } from '../notify/events';

const DAY_MS = 24 * 60 * 60 * 1000;
/** As Wallarm warns three days before a token expires. */
export const DEFAULT_REMIND_BEFORE_DAYS = 3;

/** The phases people are told of, as events. */
const PHASE_EVENTS: Partial<Record<Phase, EventType>> = {
  'pending-deletion': 'rotation.pending-deletion',
  'needs-attention': 'rotation.deletion-refused',
  completed: 'rotation.completed',
  restored: 'rotation.restored',
  failed: 'rotation.failed',
};

const SUMMARIES: Record<EventType, string> = {
  'rotation.failed': 'Rotation failed',
  'rotation.pending-deletion': 'New credential in use; the old one waits in its recovery window',
  'rotation.deletion-reminder': 'The old credential will be deleted soon',
  'rotation.completed': 'Rotation completed: the old credential is deleted',
  'rotation.restored': 'The old credential is back in use',
  'rotation.deletion-refused': 'The old credential was not deleted: the world changed',
  'fleet.summary': 'Fleet run finished',
  'schedule.run-skipped': 'Scheduled run skipped',
};

export const statusQuery = defineQuery<RotationStatus>('status');
/** Re-enables the old credential during the recovery window; consumers keep the new one. */
export const restoreUpdate = defineUpdate<RotationStatus>('restore');
/** Deletes the old credential now instead of at `deleteAt`; the caller must name it. */
export const deleteNowUpdate = defineUpdate<RotationStatus, [DeleteNowInput]>('deleteNow');

export type OperatorAction = 'restore' | 'delete-now';

interface UndoStep {
  what: string;
  run: () => Promise<string | void>;
}

export class RotationState {
  readonly status: RotationStatus;
  /** what an operator asked for during the recovery window */
  requested: OperatorAction | undefined;
  /** why the world refused the last request: its update answers with this, and the rotation stays where it was */
  private refusal: string | undefined;
  /** undo steps, newest first; each reads the providers before acting so it never cuts a consumer off */
  private undoSteps: UndoStep[] = [];
  /** counters and phase durations for Prometheus: not commands, never recorded while replaying */
  private readonly metrics: RotationMetrics;
  /** the people to tell (the request's `notify` targets); sends nothing when it names none */
  private readonly notifier: Notifier;
  private readonly remindBeforeMs: number;
  private reminded = false;

  constructor(request: RotationRequest) {
    this.metrics = new RotationMetrics(request);
    this.notifier = new Notifier(request.notify ?? [], [], () => this.show());
    this.remindBeforeMs = (request.remindBeforeDays ?? DEFAULT_REMIND_BEFORE_DAYS) * DAY_MS;
    const { source } = request;
    this.status = {
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
      consumers: request.consumers.map((c) => ({ consumer: consumerLabel(c), mode: consumerMode(c), credentialsId: consumerHome(c), holds: null, state: 'pending' })),
      timeline: [],
      problem: null,
      problemType: null,
    };
  }

  /** Answers `status`, and takes `restore` and `delete-now` while the rotation waits in its window. */
  listen(): void {
    setHandler(statusQuery, () => this.status);
    setHandler(restoreUpdate, () => this.request('restore'), { validator: () => this.assertActionAllowed('restore') });
    setHandler(deleteNowUpdate, () => this.request('delete-now'), {
      validator: (arg: DeleteNowInput) => {
        this.assertActionAllowed('delete-now');
        if (arg?.confirmCredentialId !== this.status.oldCredentialId) {
          throw new Error(`delete-now must be confirmed with the old credential id ${this.status.oldCredentialId}; got '${arg?.confirmCredentialId ?? ''}'`);
        }
      },
    });
  }

  /** The search attributes the UI filters by, set before any provider is called. */
  announce(): void {
    this.metrics.started();
    upsertSearchAttributes([
      { key: CredentialProviderKey, value: this.status.provider },
      { key: CredentialSubjectKey, value: this.status.subject },
    ]);
  }

  enter(phase: Phase): void {
    this.status.phase = phase;
    this.status.timeline.push({ phase, at: new Date().toISOString() });
    upsertSearchAttributes([{ key: RotationPhaseKey, value: phase }]);
    this.metrics.entered(phase, this.status.problemType);
    const event = PHASE_EVENTS[phase];
    if (event) this.tell(event);
    this.show();
  }

  /** What preflight learnt the credential belongs to. */
  namedSubject(subject: string): void {
    this.status.subject = subject;
    upsertSearchAttributes([{ key: CredentialSubjectKey, value: subject }]);
  }

  scheduleDeletion(deleteAt: Date | null): void {
    this.status.deleteAt = deleteAt === null ? null : deleteAt.toISOString();
    upsertSearchAttributes([{ key: DeleteAtKey, value: deleteAt }]);
  }

  consumer(i: number): ConsumerState {
    return this.status.consumers[i]!;
  }

  /** Markdown shown as the workflow's current details in the Temporal UI; `note` adds a line about what it waits for. */
  show(note?: string): void {
    const s = this.status;
    const lines = [
      `**${s.phase}** — ${s.subject}`,
      `old: ${s.oldCredentialId ?? '–'} · new: ${s.newCredentialId ?? '–'}${s.deleteAt ? ` · deleteAt: ${s.deleteAt}` : ''}`,
      '',
      ...s.consumers.map((c) => `- ${c.consumer} → ${c.credentialsId}: ${c.state}${c.holds ? ` (holds ${c.holds})` : ''}`),
      '',
      ...s.timeline.map((t) => `- ${t.at} ${t.phase}`),
    ];
    if (s.problem) lines.push('', `problem: ${s.problem}`);
    const unsent = (s.notifications ?? []).filter((n) => n.state !== 'delivered');
    if (unsent.length > 0) lines.push('', 'notifications not (yet) delivered:', ...unsent.map((n) => `- ${n.type} → ${n.target}: ${n.state}${n.problem ? ` (${n.problem})` : ''}`));
    setCurrentDetails(note === undefined ? lines.join('\n') : `${lines.join('\n')}\n\n${note}`);
  }

  get finished(): boolean {
    return TERMINAL_PHASES.includes(this.status.phase);
  }

  /**
   * Waits for an operator's request, and in the window for its end too (undefined). Cancelling counts as `restore`:
   * the safe reading of "stop" keeps the old credential.
   */
  async awaitAction(): Promise<{ action: OperatorAction | undefined; cancelled: boolean }> {
    try {
      // told N days before deleteAt (3 by default, as Wallarm warns before a token expires), only when someone listens
      const remindAt = Date.parse(this.status.deleteAt ?? '') - this.remindBeforeMs;
      if (this.status.phase === 'pending-deletion' && this.notifier.enabled && !this.reminded && remindAt > Date.now()) {
        if (!(await condition(() => this.requested !== undefined, remindAt - Date.now()))) {
          this.reminded = true;
          this.tell('rotation.deletion-reminder');
        }
      }
      // at least 1 ms: a timer of 0 would never fire (a refusal that took until deleteAt comes straight back here)
      if (this.status.phase === 'pending-deletion') await condition(() => this.requested !== undefined, Math.max(1, Date.parse(this.status.deleteAt!) - Date.now()));
      else await condition(() => this.requested !== undefined);
    } catch (err) {
      if (!isCancellation(err)) throw err;
      this.requested = 'restore';
      return { action: 'restore', cancelled: true };
    }
    return { action: this.requested, cancelled: false };
  }

  /** The world refused the operator's request: its update answers with why, and the rotation stays where it was. */
  refuse(reason: string): void {
    this.refusal = reason;
    this.requested = undefined;
  }

  /** The window is over but the old credential must not be deleted: wait for an operator, saying why and what to do. */
  needsAttention(blockers: string[]): void {
    const id = this.status.rotationId;
    this.status.problem =
      `the recovery window ended at ${this.status.deleteAt} but ${this.status.oldCredentialId} was not deleted: ${blockers.join('; ')}. ` +
      `Put things right and run 'rotator delete-now ${id} --yes', or run 'rotator restore ${id}' to put ${this.status.oldCredentialId} back in use.`;
    this.status.problemType = 'DeletionRefused';
    this.enter('needs-attention');
  }

  /** Ends the rotation `failed` for a reason found after the window (nothing left to delete or restore). */
  async failAfterWindow(problem: string, type: string): Promise<ApplicationFailure> {
    this.status.problem = problem;
    this.status.problemType = type;
    this.enter('failed');
    await this.notifier.settle();
    return ApplicationFailure.nonRetryable(problem, type, this.status);
  }

  /** Ends the rotation in `phase` once every update handler has answered (a cancel that led here must not undo it). */
  async end(phase: 'completed' | 'restored'): Promise<RotationStatus> {
    this.status.problem = null;
    this.status.problemType = null;
    this.enter(phase);
    await this.notifier.settle();
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
    return this.status;
  }

  onUndo(what: string, run: () => Promise<string | void>): void {
    this.undoSteps.unshift({ what, run });
  }

  /** From the recovery window on, restoring is the undo. */
  forgetUndo(): void {
    this.undoSteps = [];
  }

  /** Runs the undo steps (even when the workflow itself is cancelled), records why, and ends `failed`. */
  async compensate(err: unknown): Promise<ApplicationFailure> {
    const failedIn = this.status.phase;
    const outcomes: string[] = [];
    if (this.undoSteps.length > 0) {
      this.enter('compensating');
      await CancellationScope.nonCancellable(async () => {
        for (const step of this.undoSteps) {
          try {
            const outcome = await step.run();
            if (outcome) outcomes.push(outcome);
          } catch (stepErr) {
            outcomes.push(`could not ${step.what}: ${rootMessage(stepErr)}`);
          }
        }
      });
    }
    const holdings = this.status.consumers.map((c) => `${c.consumer} → set ${c.credentialsId} holds ${c.holds ?? 'nothing'}`).join('; ');
    this.status.problem =
      `rotation failed in ${failedIn}: ${rootMessage(err)}` +
      (outcomes.length > 0 ? ` | compensation: ${outcomes.join('; ')}` : '') +
      (this.status.newCredentialId ? ` | now: ${holdings}` : '');
    this.status.problemType = failureType(err);
    this.enter('failed');
    await this.notifier.settle();
    return ApplicationFailure.nonRetryable(this.status.problem ?? 'rotation failed', failureType(err), this.status);
  }

  /** The final deletion failed: consumers hold the new credential, the old one stays retired; say what to do. */
  async failDeletion(err: unknown): Promise<ApplicationFailure> {
    const { oldCredentialId: oldId, newCredentialId: newId } = this.status;
    // the credential goes first, then each moved consumer's old home: say which part is left
    this.status.problem = this.status.deletedAt
      ? `old credential ${oldId} was deleted, but removing what held it failed: ${rootMessage(err)}. Consumers hold ${newId}. Finish that by hand once the cause is fixed.`
      : `deleting old credential ${oldId} failed: ${rootMessage(err)}. Consumers hold ${newId}; ${oldId} is retired, not deleted. Delete it by hand once the cause is fixed.`;
    this.status.problemType = failureType(err);
    this.enter('failed');
    await this.notifier.settle();
    return ApplicationFailure.nonRetryable(this.status.problem, failureType(err), this.status);
  }

  /** Tells the request's targets what just happened, with what an operator can do about it. */
  private tell(type: EventType): void {
    if (!this.notifier.enabled) return;
    this.status.notifications = this.notifier.records;
    const s = this.status;
    const id = s.rotationId;
    const window = type === 'rotation.pending-deletion' || type === 'rotation.deletion-reminder' || type === 'rotation.deletion-refused';
    this.notifier.send({
      type,
      rotationId: id,
      summary: `${SUMMARIES[type]}: ${s.subject}`,
      fields: {
        phase: s.phase,
        subject: s.subject,
        provider: s.provider,
        oldCredentialId: s.oldCredentialId,
        newCredentialId: s.newCredentialId,
        deactivatedAt: s.deactivatedAt,
        deleteAt: s.deleteAt,
        deletedAt: s.deletedAt ?? null,
        restoredAt: s.restoredAt ?? null,
        problem: s.problem,
        problemType: s.problemType ?? null,
        consumers: s.consumers.map((c) => ({ consumer: c.consumer, holds: c.holds, state: c.state })),
      },
      commands: window ? [`rotator delete-now ${id} --yes`, `rotator restore ${id}`] : [`rotator status ${id}`],
    });
  }

  private async request(action: OperatorAction): Promise<RotationStatus> {
    this.requested = action;
    await condition(() => this.finished || this.refusal !== undefined);
    if (this.refusal !== undefined && !this.finished) {
      const reason = this.refusal;
      this.refusal = undefined;
      throw ApplicationFailure.nonRetryable(reason, 'ActionRefused', this.status);
    }
    return this.status;
  }

  private assertActionAllowed(action: OperatorAction): void {
    if (this.status.phase !== 'pending-deletion' && this.status.phase !== 'needs-attention') {
      throw new Error(`${action} is only possible while the rotation is in pending-deletion or needs-attention; it is in ${this.status.phase}`);
    }
    if (this.requested) throw new Error(`${this.requested} was already requested for this rotation`);
  }
}
