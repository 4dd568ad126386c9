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
import { consumerHome, consumerLabel, consumerMode, consumerPerson, consumerPlaceLabel, rotationIdFor, sourceProvider, subjectOf } from '../rotation/registry';
import {
  CUT_OVER_PHASES,
  TERMINAL_PHASES,
  type ConfirmInput,
  type CredentialUse,
  type ConsumerState,
  type DecisionInput,
  type DeleteNowInput,
  type Phase,
  type RotationRequest,
  type RotationStatus,
} from '../rotation/schemas';
import { CredentialProviderKey, CredentialSubjectKey, DeleteAtKey, RotationPhaseKey } from '../rotation/search-attributes';
import { failureType, rootMessage } from './failures';
import { RotationMetrics } from './rotation-metrics';
import { Notifier } from './notifications';
import { describeUse } from './use-evidence';
import type { EventType } from '../notify/events';

const DAY_MS = 24 * 60 * 60 * 1000;
/** As Wallarm warns three days before a token expires. */
export const DEFAULT_REMIND_BEFORE_DAYS = 3;

/** The phases people are told of, as events. */
const PHASE_EVENTS: Partial<Record<Phase, EventType>> = {
  'pending-deletion': 'rotation.pending-deletion',
  'needs-attention': 'rotation.deletion-refused',
  'awaiting-use': 'rotation.awaiting-use',
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
  'rotation.awaiting-use': 'Held before deactivating the old credential: an operator must proceed or abort',
  'rotation.handover': 'A new credential is ready for you: apply it, then confirm',
  'rotation.confirmation-reminder': 'Reminder: a new credential waits for you to apply it and confirm',
  'fleet.summary': 'Fleet run finished',
  'schedule.run-skipped': 'Scheduled run skipped',
};

export const statusQuery = defineQuery<RotationStatus>('status');
/** Re-enables the old credential during the recovery window; consumers keep the new one. */
export const restoreUpdate = defineUpdate<RotationStatus>('restore');
/** Deletes the old credential now instead of at `deleteAt`; the caller must name it. */
export const deleteNowUpdate = defineUpdate<RotationStatus, [DeleteNowInput]>('deleteNow');

/** A person who took the new credential by hand says it is applied. */
export const confirmUpdate = defineUpdate<RotationStatus, [ConfirmInput]>('confirm');
/** Before deactivation: deactivate the old credential without (all) the evidence or confirmations. */
export const proceedUpdate = defineUpdate<RotationStatus, [DecisionInput]>('proceed');
/** Before deactivation: undo the rotation; the old credential stays in use. */
export const abortUpdate = defineUpdate<RotationStatus, [DecisionInput]>('abort');

export type OperatorAction = 'restore' | 'delete-now';
export type CutOverAction = 'proceed' | 'abort';

/** An operator's decision during the cut-over, until the workflow takes it up (accepts or refuses it). */
export interface CutOverDecision {
  action: CutOverAction;
  by: string | null;
  at: string;
}

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
  /** an operator's proceed or abort during the cut-over, not yet taken up */
  decision: CutOverDecision | undefined;
  /** why the last decision was refused, for its update to answer with */
  private decisionRefusal: string | undefined;
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
      consumers: request.consumers.map((c) => ({
        consumer: consumerLabel(c),
        mode: consumerMode(c),
        credentialsId: consumerHome(c),
        holds: null,
        state: 'pending',
        ...(consumerPerson(c) === undefined ? {} : { handover: consumerPlaceLabel(c) }),
      })),
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
    setHandler(confirmUpdate, (arg: ConfirmInput) => this.confirm(arg), { validator: (arg: ConfirmInput) => this.assertConfirmable(arg) });
    setHandler(proceedUpdate, (arg: DecisionInput) => this.decide('proceed', arg), { validator: (_arg: DecisionInput) => this.assertDecidable('proceed') });
    setHandler(abortUpdate, (arg: DecisionInput) => this.decide('abort', arg), { validator: (_arg: DecisionInput) => this.assertDecidable('abort') });
  }

  /** The manual consumers' states, by index in the request. */
  manualConsumers(): ConsumerState[] {
    return this.status.consumers.filter((c) => c.handover !== undefined);
  }

  /** The workflow took up the operator's decision: proceed goes on to deactivation, abort to compensation. */
  accept(): CutOverDecision {
    const decision = this.decision!;
    if (this.status.use) this.status.use.decision = { action: decision.action, at: decision.at, by: decision.by };
    return decision;
  }

  /** The world no longer allows the operator's decision: its update answers with why, and the rotation stays held. */
  refuseDecision(reason: string): void {
    this.decisionRefusal = reason;
    this.decision = undefined;
  }

  private confirm({ consumer, by }: ConfirmInput): RotationStatus {
    const state = this.status.consumers.find((c) => c.consumer === consumer)!;
    if (state.state !== 'confirmed') {
      state.state = 'confirmed';
      state.confirmedAt = new Date().toISOString();
      if (by) state.confirmedBy = by;
      this.show();
    }
    return this.status;
  }

  private assertConfirmable(arg: ConfirmInput): void {
    const manual = this.manualConsumers();
    if (manual.length === 0) throw new Error(`this rotation has no manual consumer to confirm (its consumers: ${this.status.consumers.map((c) => c.consumer).join(', ')})`);
    const state = manual.find((c) => c.consumer === arg?.consumer);
    if (!state) throw new Error(`'${arg?.consumer ?? ''}' is not a manual consumer of this rotation; its manual consumers: ${manual.map((c) => c.consumer).join(', ')}`);
    if (!CUT_OVER_PHASES.includes(this.status.phase)) {
      throw new Error(`confirm is only possible while the rotation waits for confirmations (awaiting-confirmation or awaiting-use); it is in ${this.status.phase}`);
    }
    if (state.state !== 'handed-over' && state.state !== 'confirmed') throw new Error(`${state.consumer} has not been handed the new credential yet (${state.state})`);
  }

  private async decide(action: CutOverAction, arg: DecisionInput): Promise<RotationStatus> {
    this.decision = { action, by: arg?.by ?? null, at: new Date().toISOString() };
    // abort: until the undo is done; proceed: until the old credential is deactivated (or the rotation failed doing it)
    await condition(() => this.finished || this.decisionRefusal !== undefined || (action === 'proceed' && this.status.phase === 'pending-deletion'));
    if (this.decisionRefusal !== undefined && !this.finished) {
      const reason = this.decisionRefusal;
      this.decisionRefusal = undefined;
      throw ApplicationFailure.nonRetryable(reason, 'ActionRefused', this.status);
    }
    return this.status;
  }

  private assertDecidable(action: CutOverAction): void {
    if (!CUT_OVER_PHASES.includes(this.status.phase)) {
      throw new Error(`${action} is only possible before the old credential is deactivated, while the rotation waits for evidence or confirmations (${CUT_OVER_PHASES.join(', ')}); it is in ${this.status.phase}`);
    }
    if (this.decision) throw new Error(`${this.decision.action} was already requested for this rotation`);
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
    if (s.use) {
      const u = s.use;
      const seen = (label: string, use: CredentialUse | null) => (use ? [`- ${label} last used ${describeUse(use)}`] : []);
      lines.push('', `evidence: ${u.checks} check(s), last ${u.checkedAt ?? '–'}; deadline ${u.deadline}`, ...seen('old', u.old), ...seen('new', u.new), ...u.waitingFor.map((w) => `- waiting for ${w}`));
    }
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
      `rotation ${failureType(err) === 'RotationAborted' ? 'aborted' : 'failed'} in ${failedIn}: ${rootMessage(err)}` +
      (outcomes.length > 0 ? ` | compensation: ${outcomes.join('; ')}` : '') +
      (this.status.newCredentialId ? ` | now: ${holdings}` : '');
    this.status.problemType = failureType(err);
    this.enter('failed');
    await this.notifier.settle();
    // an abort's update answers with the outcome before the workflow ends
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
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

  /**
   * Tells the request's targets (or `to`: a person's own target) what just happened, with what they can do about it;
   * `extra` adds fields and `commands` replaces the default commands.
   */
  tell(type: EventType, options: { to?: string[]; extra?: Record<string, unknown>; commands?: string[] } = {}): void {
    if (options.to === undefined && !this.notifier.enabled) return;
    this.status.notifications = this.notifier.records;
    const s = this.status;
    const id = s.rotationId;
    const window = type === 'rotation.pending-deletion' || type === 'rotation.deletion-reminder' || type === 'rotation.deletion-refused';
    const held = type === 'rotation.awaiting-use';
    const commands = options.commands ?? (window ? [`rotator delete-now ${id} --yes`, `rotator restore ${id}`] : held ? [`rotator proceed ${id} --yes`, `rotator abort ${id}`] : [`rotator status ${id}`]);
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
        ...(s.use ? { use: s.use } : {}),
        ...options.extra,
      },
      commands,
    }, options.to);
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
