/**
 * Cutting over on evidence, between registering and deactivating: people who take the new credential by hand confirm
 * they applied it (manual consumers), and with --await-use the providers show the new credential in use and the old one
 * out of use. What does not come in time holds the rotation in `awaiting-use`, with what it saw, until an operator
 * proceeds or aborts. After any such wait the providers are read again before the old credential is deactivated.
 * Deterministic: activities, timers and state only.
 */
import { ApplicationFailure, condition, isCancellation } from '@temporalio/workflow';
import type { ConsumerActivities } from '../activities/consumer';
import type { LegacySourceActivities, SealedCredential, SourceActivities } from '../activities/source';
import { CONSUMERS, consumerPerson, consumerReportsUse, sourceReportsUse, type ConsumerSpec } from '../rotation/registry';
import { DEFAULT_CONFIRM_WITHIN_SECONDS, type RotationRequest, type UseEvidence } from '../rotation/schemas';
import { rootMessage } from './failures';
import type { RotationState } from './rotation-state';
import { describeUse, judgeUse, type UseVerdict } from './use-evidence';
import { deactivationBlockers } from './world-check';

type Source = SourceActivities<SealedCredential> & LegacySourceActivities;
type Consumer = ConsumerActivities<SealedCredential>;

const MINUTE_MS = 60 * 1000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** A person who has not confirmed is reminded once a day until the deadline. */
const REMIND_EVERY_MS = DAY_MS;
/** Checks for use start 15 s apart and double up to 10 minutes: prompt at first, a few calls an hour over days. */
const FIRST_CHECK_INTERVAL_MS = 15 * 1000;
const MAX_CHECK_INTERVAL_MS = 10 * MINUTE_MS;
/** the shortest stretch after the grace in which the old credential must be seen unused (the grace when longer) */
export const MIN_QUIET_WINDOW_MS = 30 * 1000;

/** "7 days", "2 hours", "90 minutes": for messages. */
function duration(ms: number): string {
  const units: [number, string][] = [
    [DAY_MS, 'day'],
    [60 * MINUTE_MS, 'hour'],
    [MINUTE_MS, 'minute'],
    [1000, 'second'],
  ];
  const [size, name] = units.find(([u]) => ms % u === 0 && ms >= u) ?? [1000, 'second'];
  const n = Math.round(ms / size);
  return `${n} ${name}${n === 1 ? '' : 's'}`;
}

export class CutOver {
  /** when every consumer held the new credential: the last one registered, or the last confirmation */
  private switchedAt = 0;
  /** the rotation waited (for people or evidence): the providers are read again before deactivating */
  private waited = false;
  /** an operator said proceed: no more waiting, deactivate once the world allows it */
  private proceeding = false;

  constructor(
    private readonly request: RotationRequest,
    private readonly rotation: RotationState,
    private readonly source: Source,
    private readonly consumer: (c: ConsumerSpec) => Consumer,
  ) {}

  /** Every consumer now holds the new credential. */
  switched(): void {
    this.switchedAt = Date.now();
  }

  /** The manual consumers (with their index in the request): people or teams who take the credential by hand. */
  private manual(): { spec: ConsumerSpec; index: number; person: string }[] {
    return this.request.consumers.flatMap((spec, index) => {
      const person = consumerPerson(spec);
      return person === undefined ? [] : [{ spec, index, person }];
    });
  }

  /** Names the people who have not confirmed yet. */
  private unconfirmed(): { person: string; label: string }[] {
    return this.manual()
      .filter((m) => this.rotation.consumer(m.index).state !== 'confirmed')
      .map((m) => ({ person: m.person, label: this.rotation.consumer(m.index).consumer }));
  }

  /**
   * awaiting-confirmation: each person is told where the new credential waits and how to confirm, reminded daily,
   * and the rotation waits (days, durably) until all confirm; past the deadline it holds in awaiting-use.
   */
  async handOver(): Promise<void> {
    const manual = this.manual();
    if (manual.length === 0) return;
    this.waited = true;
    const status = this.rotation.status;
    const id = status.rotationId;
    const within = (this.request.confirmWithinSeconds ?? DEFAULT_CONFIRM_WITHIN_SECONDS) * 1000;
    const deadline = Date.now() + within;
    this.rotation.enter('awaiting-confirmation');
    for (const m of manual) {
      const state = this.rotation.consumer(m.index);
      state.state = 'handed-over';
      state.handedOverAt = new Date().toISOString();
      this.rotation.tell('rotation.handover', {
        to: [m.person],
        extra: {
          consumer: state.consumer,
          place: state.handover,
          howToRead: CONSUMERS[m.spec.kind].handOver,
          confirmBy: new Date(deadline).toISOString(),
        },
        commands: [`rotator confirm ${id} --consumer ${state.consumer}`],
      });
    }
    let nextReminder = Date.now() + REMIND_EVERY_MS;
    for (;;) {
      this.rotation.show(`waiting until ${new Date(deadline).toISOString()} for ${this.unconfirmed().map((u) => u.label).join(', ') || 'nobody'} to confirm`);
      if (this.unconfirmed().length === 0) return this.switched();
      if (this.takeUpDecision()) return;
      const now = Date.now();
      if (now >= deadline) break;
      await condition(() => this.unconfirmed().length === 0 || this.rotation.decision !== undefined, Math.min(nextReminder, deadline) - now);
      if (Date.now() >= nextReminder && Date.now() < deadline && this.unconfirmed().length > 0 && this.rotation.decision === undefined) {
        nextReminder += REMIND_EVERY_MS;
        for (const u of this.unconfirmed()) {
          this.rotation.tell('rotation.confirmation-reminder', {
            to: [u.person],
            extra: { consumer: u.label, confirmBy: new Date(deadline).toISOString() },
            commands: [`rotator confirm ${id} --consumer ${u.label}`],
          });
        }
      }
    }
    const late = this.unconfirmed();
    await this.hold(
      `${late.map((u) => u.label).join(', ')} did not confirm within ${duration(within)} (by ${new Date(deadline).toISOString()}) that the new credential ${status.newCredentialId} is applied`,
      'HandOverUnconfirmed',
      () => this.unconfirmed().length === 0,
      late.map((u) => u.person),
    );
    if (this.unconfirmed().length === 0) this.switched();
  }

  /**
   * checking-use (with --await-use): polls the providers, with backoff, until the new credential is seen in use after
   * the switch and the grace and the old one is not; otherwise holds in awaiting-use with what it saw.
   */
  async awaitUse(): Promise<void> {
    const seconds = this.request.awaitUseSeconds;
    if (seconds === undefined || this.proceeding) return;
    this.waited = true;
    const deadline = Date.now() + seconds * 1000;
    const graceMs = this.request.pickupGraceSeconds * 1000;
    const quietAfter = this.switchedAt + graceMs;
    const evidenceAfter = quietAfter + Math.max(graceMs, MIN_QUIET_WINDOW_MS);
    const use: UseEvidence = {
      switchedAt: new Date(this.switchedAt).toISOString(),
      quietAfter: new Date(quietAfter).toISOString(),
      evidenceAfter: new Date(evidenceAfter).toISOString(),
      deadline: new Date(deadline).toISOString(),
      checkedAt: null,
      checks: 0,
      old: null,
      new: null,
      waitingFor: [],
    };
    this.rotation.status.use = use;
    this.rotation.enter('checking-use');
    let interval = FIRST_CHECK_INTERVAL_MS;
    for (;;) {
      let verdict: UseVerdict;
      try {
        verdict = await this.checkUse(quietAfter, evidenceAfter);
      } catch (err) {
        if (isCancellation(err)) throw err;
        // retryable faults were retried for minutes already; what is left needs a person (e.g. a missing permission)
        return await this.hold(`reading the providers' records of use failed: ${rootMessage(err)}`, 'UseUnreadable');
      }
      if (verdict.ready) return;
      if (verdict.oldStillUsed) return await this.hold(verdict.oldStillUsed, 'OldCredentialStillUsed');
      if (this.takeUpDecision()) return;
      const now = Date.now();
      if (now >= deadline) {
        return await this.hold(`no evidence of use within ${duration(seconds * 1000)} (by ${use.deadline}): still waiting for ${verdict.waitingFor.join('; ')}`, 'NoEvidenceOfUse');
      }
      this.rotation.show(`checking for use until ${use.deadline}; next check in ${Math.round(Math.min(interval, deadline - now) / 1000)} s`);
      await condition(() => this.rotation.decision !== undefined, Math.min(interval, deadline - now));
      interval = Math.min(interval * 2, MAX_CHECK_INTERVAL_MS);
    }
  }

  /** One round of reading the records of use; the status keeps what was seen. */
  private async checkUse(quietAfter: number, evidenceAfter: number): Promise<UseVerdict> {
    const status = this.rotation.status;
    const use = status.use!;
    const oldId = status.oldCredentialId!;
    const newId = status.newCredentialId!;
    const { source } = this.request;
    if (sourceReportsUse(source)) {
      const uses = await this.source.credentialUse({ source, credentialIds: [oldId, newId] });
      use.old = uses[oldId] ?? { lastUsedAt: null };
      use.new = uses[newId] ?? { lastUsedAt: null };
    }
    const consumers: { consumer: string; lastUsedAt: string | null }[] = [];
    for (const [i, spec] of this.request.consumers.entries()) {
      if (!consumerReportsUse(spec)) continue;
      const state = this.rotation.consumer(i);
      state.lastUsedAt = (await this.consumer(spec).consumerUse({ consumer: spec, credentialsId: state.credentialsId })).lastUsedAt;
      consumers.push({ consumer: state.consumer, lastUsedAt: state.lastUsedAt });
    }
    use.checkedAt = new Date().toISOString();
    use.checks++;
    const verdict = judgeUse({ oldId, newId, switchedAt: this.switchedAt, quietAfter, evidenceAfter, old: use.old, new: use.new, consumers });
    use.waitingFor = verdict.oldStillUsed
      ? [...verdict.waitingFor, `no use of the old credential ${oldId} after ${new Date(quietAfter).toISOString()} (it was used at ${describeUse(use.old!)})`]
      : verdict.waitingFor;
    this.rotation.show();
    return verdict;
  }

  /**
   * Just before deactivating, after a wait: every consumer must still hold the new credential and the new credential
   * must still be Active. A proceed the world no longer allows is refused, and the rotation stays held.
   */
  async confirmWorld(): Promise<void> {
    for (;;) {
      const blockers = this.waited ? await this.blockers() : [];
      if (blockers.length === 0) {
        if (this.rotation.decision) this.rotation.accept();
        return;
      }
      const reason = `the old credential was not deactivated: ${blockers.join('; ')}`;
      if (this.rotation.decision?.action === 'proceed') {
        this.rotation.refuseDecision(`proceed refused: ${reason}. The rotation is still in ${this.rotation.status.phase}; nothing was changed.`);
      }
      this.proceeding = false;
      await this.hold(reason, 'DeactivationRefused');
    }
  }

  private async blockers(): Promise<string[]> {
    const status = this.rotation.status;
    const newId = status.newCredentialId!;
    try {
      const { states } = await this.source.credentialStates({ source: this.request.source, credentialIds: [newId] });
      const consumers = [];
      for (const [i, spec] of this.request.consumers.entries()) {
        const state = this.rotation.consumer(i);
        const reading = await this.consumer(spec).readConsumer({ consumer: spec, credentialsId: state.credentialsId });
        state.holds = reading.exists ? reading.holds : null;
        consumers.push({ consumer: state.consumer, where: state.credentialsId, exists: reading.exists, holds: state.holds });
      }
      return deactivationBlockers({ new: states[newId] ?? 'gone', consumers }, newId);
    } catch (err) {
      if (isCancellation(err)) throw err;
      return [`the rotator could not read the providers to check: ${rootMessage(err)}`];
    }
  }

  /**
   * awaiting-use: says why and what an operator can do, tells the request's targets (and `people`), and waits for a
   * decision, or for `resolved` (a late confirmation). Abort throws into compensation.
   */
  private async hold(reason: string, type: string, resolved: () => boolean = () => false, people: string[] = []): Promise<void> {
    const status = this.rotation.status;
    const id = status.rotationId;
    status.problem =
      `${reason}. The old credential ${status.oldCredentialId} is still Active: nothing was deactivated. ` +
      `Run 'rotator proceed ${id} --yes' to deactivate it anyway, or 'rotator abort ${id}' to undo the rotation (the old credential stays in use).`;
    status.problemType = type;
    this.rotation.enter('awaiting-use');
    if (people.length > 0) this.rotation.tell('rotation.awaiting-use', { to: people, commands: [`rotator confirm ${id} --consumer manual:<name>`] });
    await condition(() => this.rotation.decision !== undefined || resolved());
    status.problem = null;
    status.problemType = null;
    if (this.rotation.decision !== undefined) this.takeUpDecision();
    this.rotation.show();
  }

  /** An operator's decision, if one came: abort throws into compensation; proceed ends the waiting (true). */
  private takeUpDecision(): boolean {
    const decision = this.rotation.decision;
    if (decision === undefined) return false;
    if (decision.action === 'abort') {
      this.rotation.accept();
      throw ApplicationFailure.nonRetryable(`${decision.by ?? 'an operator'} aborted it at ${decision.at}`, 'RotationAborted');
    }
    this.proceeding = true;
    return true;
  }
}
