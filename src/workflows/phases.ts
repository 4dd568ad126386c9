/**
 * The steps of one rotation, one method per phase, each with the undo it registers. Names no provider: a consumer's
 * plan says how it takes the new credential and how it is undone. Deterministic: activities, timers and state only.
 */
import { ApplicationFailure, CancellationScope, isCancellation, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { ConsumerActivities, RestorePoint } from '../activities/consumer';
import type { LegacySourceActivities, SealedCredential, SourceActivities } from '../activities/source';
import { consumerHome, consumerPerson, consumerTaskQueue, retiredStaysActive, sourceTaskQueue, type ConsumerSpec } from '../rotation/registry';
import type { NotifyActivities } from '../notify/deliver';
import { NOTIFICATIONS_TASK_QUEUE } from '../notify/events';
import { CutOver } from './cut-over';
import type { CredentialMetadata, RotationRequest, RotationStatus } from '../rotation/schemas';
import { eventualDeletion, providerCall, verification } from './activity-options';
import { rootMessage } from './failures';
import type { RotationState } from './rotation-state';
import { deletionBlockers, restoreBlocker, type WorldSurvey } from './world-check';

const DAY_MS = 24 * 60 * 60 * 1000;

type Source = SourceActivities<SealedCredential> & LegacySourceActivities;
type Consumer = ConsumerActivities<SealedCredential>;

export class RotationPhases {
  private readonly source: Source;
  private readonly verifier: Source;
  private readonly finalSource: Source;
  /** per consumer, where it can be put back to (only consumers that can roll back get one) */
  private readonly restorePoints: (RestorePoint | undefined)[] = [];
  private subject = '';
  private known: CredentialMetadata[] = [];
  /** the new credential, its secret sealed: only the activities that hand it to a provider open it */
  private created: SealedCredential | undefined;
  /** between registering and deactivating: hand-overs to people, and evidence of use */
  readonly cutOver: CutOver;
  /** a consumer that held the new credential was put back: its software may still present the new one for a moment */
  private consumersPutBack = false;

  constructor(
    private readonly request: RotationRequest,
    private readonly rotation: RotationState,
  ) {
    const queue = sourceTaskQueue(request.source);
    this.source = proxyActivities<Source>({ ...providerCall, taskQueue: queue });
    this.verifier = proxyActivities<Source>({ ...verification, taskQueue: queue });
    this.finalSource = proxyActivities<Source>({ ...eventualDeletion, taskQueue: queue });
    this.cutOver = new CutOver(request, rotation, this.source, (c) => this.consumer(c));
  }

  private consumer(c: ConsumerSpec, options = providerCall): Consumer {
    return proxyActivities<Consumer>({ ...options, taskQueue: consumerTaskQueue(c) });
  }

  private get status(): RotationStatus {
    return this.rotation.status;
  }

  /** preflight: reads only. The subject must hold exactly one Active credential and room for one more. */
  async preflight(): Promise<void> {
    const { source } = this.request;
    this.rotation.enter('preflight');
    const inspection = await this.source.inspectSource({ source });
    this.subject = inspection.subject;
    this.rotation.namedSubject(inspection.subject);
    this.known = inspection.credentials;
    const listing = this.known.map((k) => `${k.id} (${k.status}, created ${k.createdAt})`).join(' and ');
    if (this.known.length >= inspection.maxCredentials) {
      throw ApplicationFailure.nonRetryable(
        `${this.status.subject} already has ${this.known.length} credentials, the most it may hold: ${listing}. No change was made. ` +
          `Finish or restore the rotation that left the second one, or delete the one no consumer uses (never an Active key in use), then start again.`,
        'CredentialLimitReached',
      );
    }
    const active = this.known.filter((k) => k.status === 'Active');
    if (active.length !== 1) {
      throw ApplicationFailure.nonRetryable(
        this.known.length === 0
          ? `${this.status.subject} has no credential to rotate. No change was made.`
          : `${this.status.subject} must have exactly one Active credential to rotate; it has ${listing}. No change was made.`,
        'NoSingleActiveCredential',
      );
    }
    this.status.oldCredentialId = active[0]!.id;
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    for (const [i, consumer] of this.request.consumers.entries()) {
      const plan = await this.consumer(consumer).planConsumer({ consumer, source, today });
      Object.assign(this.rotation.consumer(i), { credentialsId: plan.targetCredentialsId, holds: plan.holds });
      this.restorePoints[i] = plan.restorePoint;
    }
    // a person is told through their notification target: one the workers do not define would leave nobody to confirm
    const people = this.request.consumers.map(consumerPerson).filter((p) => p !== undefined);
    if (people.length > 0) {
      const notify = proxyActivities<NotifyActivities>({ taskQueue: NOTIFICATIONS_TASK_QUEUE, ...providerCall });
      await notify.assertTargetsKnown({ targets: people, why: 'each manual consumer is told through the notification target of its name, so nobody would be told to apply and confirm the new credential' });
    }
  }

  /** creating: exactly once. The undo is registered first: a lost answer may have minted a credential. */
  async create(): Promise<void> {
    const { source } = this.request;
    this.rotation.enter('creating');
    const notBefore = new Date().toISOString();
    this.rotation.onUndo('delete the new credential', async () => {
      const newId = this.created?.id;
      if (!newId) return 'no new credential was recorded';
      // a person may have applied it wherever they use it: taking the place back does not take it back from them
      const handedTo = this.rotation.manualConsumers().filter((c) => c.handedOverAt !== undefined).map((c) => c.consumer);
      if (handedTo.length > 0) return `kept new credential ${newId} Active: it was handed over to ${handedTo.join(', ')}, who may have applied it; delete it by hand once they no longer use it`;
      const holders = await this.consumersHolding(newId);
      if (holders.length > 0) return `kept new credential ${newId} Active: ${holders.join(', ')} hold it`;
      // software that read the new credential just before its consumer was put back gets the pickup grace to move on
      if (this.consumersPutBack && this.request.pickupGraceSeconds > 0 && patched('grace-before-undoing-new-credential')) await sleep(this.request.pickupGraceSeconds * 1000);
      await this.source.destroyCredential({ source, credentialId: newId });
      return `deleted new credential ${newId}`;
    });
    this.created = await this.source.createCredential({ source, knownIds: this.known.map((k) => k.id), notBefore });
    this.status.newCredentialId = this.created.id;
  }

  /** verifying: the new credential authenticates as the subject, before any consumer sees it. */
  async verify(): Promise<void> {
    this.rotation.enter('verifying');
    await this.verifier.verifyCredential({ source: this.request.source, credential: this.created!, subject: this.subject });
  }

  /** registering: each consumer gets the new credential and reads it back. */
  async register(): Promise<void> {
    this.rotation.enter('registering');
    for (const [i, consumer] of this.request.consumers.entries()) {
      const state = this.rotation.consumer(i);
      this.rotation.onUndo(`roll back ${state.consumer}`, () => this.rollBack(consumer, i));
      const reading = await this.consumer(consumer).putCredential({ consumer, source: this.request.source, targetCredentialsId: state.credentialsId, credential: this.created! });
      state.holds = reading.holds;
      state.state = 'registered';
      this.rotation.show();
    }
    this.cutOver.switched();
  }

  /** Consumers that read the old credential just before the switch (or cache it) get time to move on. */
  async letConsumersPickUp(): Promise<void> {
    const grace = this.request.pickupGraceSeconds;
    if (patched('consumer-pickup-grace') && grace > 0) {
      this.rotation.show(`waiting ${grace} s for consumers to pick up the new credential`);
      await sleep(grace * 1000);
    }
  }

  /** deactivating: only now that every consumer holds the new credential; the window then starts. */
  async deactivate(): Promise<void> {
    const oldId = this.status.oldCredentialId!;
    this.rotation.enter('deactivating');
    this.rotation.onUndo(`re-enable old credential ${oldId}`, async () => {
      await this.reinstate(this.source, oldId);
      return `old credential ${oldId} is Active`;
    });
    let deleteAt: Date;
    if (patched('window-fixed-before-deactivation')) {
      // the window is fixed before the call, so a source can keep the old credential restorable until its very end
      const deactivation = Date.now();
      deleteAt = new Date(deactivation + this.request.recoveryWindowDays * DAY_MS);
      await this.retire(oldId, deleteAt.toISOString());
      this.status.deactivatedAt = new Date(deactivation).toISOString();
    } else {
      // rotations started before the patch replay their original window, counted from after the call
      await this.retire(oldId);
      this.status.deactivatedAt = new Date().toISOString();
      deleteAt = new Date(Date.now() + this.request.recoveryWindowDays * DAY_MS);
    }
    this.rotation.scheduleDeletion(deleteAt);
    this.rotation.forgetUndo();
  }

  /** restored: the old credential is back in use; consumers keep the new one. (Rotations from before the world check.) */
  async restore(): Promise<RotationStatus> {
    await CancellationScope.nonCancellable(() => this.reinstate(this.source, this.status.oldCredentialId!));
    return await this.endRestored();
  }

  /**
   * restore, once the providers show the old credential can come back; otherwise the operator is told why and the
   * rotation stays where it was. A cancel that cannot restore ends the rotation `failed`, saying so.
   */
  async restoreIfAllowed(cancelled: boolean): Promise<RotationStatus | undefined> {
    const oldId = this.status.oldCredentialId!;
    const refusal = await CancellationScope.nonCancellable(async () => {
      try {
        const blocker = restoreBlocker(await this.survey(this.source), oldId);
        if (blocker) return blocker;
        await this.reinstate(this.source, oldId);
        return undefined;
      } catch (err) {
        return `re-enabling ${oldId} failed: ${rootMessage(err)}`;
      }
    });
    if (refusal === undefined) return await this.endRestored();
    if (cancelled) throw await this.rotation.failAfterWindow(`the rotation was cancelled, but ${oldId} could not be restored: ${refusal}`, 'RestoreImpossible');
    this.rotation.refuse(`restore refused: ${refusal}. ${this.nextSteps()}`);
    return undefined;
  }

  /**
   * deleting, once the providers show every consumer holds the new credential and it works; otherwise a delete-now is
   * refused, and the window's end waits in needs-attention for an operator (or ends `failed` with nothing left to delete).
   */
  async deleteIfAllowed(askedByOperator: boolean): Promise<RotationStatus | undefined> {
    let blockers: string[];
    let world: WorldSurvey | undefined;
    try {
      world = await this.survey(askedByOperator ? this.source : this.finalSource, askedByOperator ? providerCall : eventualDeletion);
      blockers = deletionBlockers(world, { oldId: this.status.oldCredentialId!, newId: this.status.newCredentialId!, oldStaysActive: retiredStaysActive(this.request.source, this.request.recoveryWindowDays) });
    } catch (err) {
      if (isCancellation(err)) throw err;
      blockers = [`the rotator could not read the providers to check: ${rootMessage(err)}`];
    }
    if (blockers.length === 0) return await this.deleteOld();
    if (askedByOperator) {
      this.rotation.refuse(`delete-now refused: ${blockers.join('; ')}. ${this.nextSteps()}`);
      return undefined;
    }
    if (world?.subjectExists === false) throw await this.rotation.failAfterWindow(`the recovery window ended, but ${blockers[0]}: there is nothing left to delete or restore`, 'SubjectGone');
    this.rotation.needsAttention(blockers);
    return undefined;
  }

  private nextSteps(): string {
    return `The rotation is still in ${this.status.phase}; nothing was changed.`;
  }

  private async endRestored(): Promise<RotationStatus> {
    this.status.restoredAt = new Date().toISOString();
    this.rotation.scheduleDeletion(null);
    return await this.rotation.end('restored');
  }

  /** What the providers hold now of this rotation's credentials and consumers. */
  private async survey(source: Source, options = providerCall): Promise<WorldSurvey> {
    const oldId = this.status.oldCredentialId!;
    const newId = this.status.newCredentialId!;
    const { subjectExists, states } = await source.credentialStates({ source: this.request.source, credentialIds: [oldId, newId] });
    const consumers: WorldSurvey['consumers'] = [];
    for (const [i, consumer] of this.request.consumers.entries()) {
      const state = this.rotation.consumer(i);
      const activities = this.consumer(consumer, options);
      const reading = await activities.readConsumer({ consumer, credentialsId: state.credentialsId });
      state.holds = reading.exists ? reading.holds : null;
      // a consumer that moved leaves its old home holding the old credential: whatever still reaches it would be cut off
      const home = consumerHome(consumer);
      const homeReaders = state.credentialsId === home ? [] : await activities.homeReaders({ consumer, credentialsId: home });
      consumers.push({ consumer: state.consumer, where: state.credentialsId, exists: reading.exists, holds: state.holds, home, homeReaders });
    }
    return { subjectExists, old: states[oldId] ?? 'gone', new: states[newId] ?? 'gone', consumers };
  }

  /** deleting: the old credential, and each consumer's old home where it moved to a new one. */
  async deleteOld(): Promise<RotationStatus> {
    const { source } = this.request;
    const oldId = this.status.oldCredentialId!;
    this.rotation.enter('deleting');
    try {
      await CancellationScope.nonCancellable(async () => {
        await this.finalSource.destroyCredential({ source, credentialId: oldId });
        this.status.deletedAt = new Date().toISOString();
        for (const [i, consumer] of this.request.consumers.entries()) {
          const state = this.rotation.consumer(i);
          // a consumer that moved to a new home (a versioned set) leaves the old one holding the deleted credential
          if (state.credentialsId !== consumerHome(consumer)) {
            await this.consumer(consumer, eventualDeletion).removeCredentialsSet({ consumer, credentialsId: consumerHome(consumer) });
            state.note = `old set ${consumerHome(consumer)} deleted`;
          }
        }
      });
    } catch (err) {
      throw await this.rotation.failDeletion(err);
    }
    return await this.rotation.end('completed');
  }

  // retire/reinstate had one name, setCredentialEnabled, before they said what they do (not every source can disable)
  private retire(credentialId: string, restorableUntil?: string): Promise<void> {
    const input = { source: this.request.source, credentialId, ...(restorableUntil === undefined ? {} : { restorableUntil }) };
    return patched('retire-and-reinstate') ? this.source.retireCredential(input) : this.source.setCredentialEnabled({ ...input, enabled: false });
  }

  private reinstate(source: Source, credentialId: string): Promise<void> {
    const input = { source: this.request.source, credentialId };
    return patched('retire-and-reinstate') ? source.reinstateCredential(input) : source.setCredentialEnabled({ ...input, enabled: true });
  }

  /** Which consumers hold a credential now, read from the providers. */
  private async consumersHolding(credentialId: string): Promise<string[]> {
    const holders: string[] = [];
    for (const [i, consumer] of this.request.consumers.entries()) {
      const state = this.rotation.consumer(i);
      const reading = await this.consumer(consumer).readConsumer({ consumer, credentialsId: state.credentialsId });
      state.holds = reading.exists ? reading.holds : null;
      if (reading.exists && reading.holds === credentialId) holders.push(`${state.consumer} (set ${state.credentialsId})`);
    }
    return holders;
  }

  /** Undoes one consumer's registration the way its plan allows, never cutting off software that reads it. */
  private async rollBack(consumer: ConsumerSpec, i: number): Promise<string> {
    const state = this.rotation.consumer(i);
    if (state.state === 'registered' || state.state === 'handed-over' || state.state === 'confirmed') this.consumersPutBack = true;
    const activities = this.consumer(consumer);
    const home = consumerHome(consumer);
    if (state.credentialsId !== home) {
      // a new home (a versioned set) is ours alone and nothing reads it yet, so removing it cuts nobody off
      await activities.removeCredentialsSet({ consumer, credentialsId: state.credentialsId });
      state.state = 'rolled-back';
      state.note = `new set ${state.credentialsId} removed; software keeps reading ${home}`;
      state.credentialsId = home;
      state.holds = (await activities.readConsumer({ consumer, credentialsId: home })).holds;
      return state.note;
    }
    const restorePoint = this.restorePoints[i];
    if (restorePoint !== undefined && this.created) {
      // the consumer can put its previous credential back (a secret's previous version takes its stage again)
      const rolledBack = await activities.rollBackConsumer({ consumer, credentialsId: state.credentialsId, restorePoint, newCredentialId: this.created.id });
      state.holds = rolledBack.holds;
      state.state = 'rolled-back';
      state.note = rolledBack.detail;
      return `${state.consumer} ${state.note}`;
    }
    // written in place: the old secret was never known to the rotator, so the consumer cannot be put back
    const reading = await activities.readConsumer({ consumer, credentialsId: state.credentialsId });
    state.holds = reading.holds;
    if (this.created && reading.holds === this.created.id) {
      state.state = 'failed';
      state.note = `holds the new credential, which therefore stays Active (the old secret is not known to the rotator, so the set cannot be put back)`;
    } else {
      state.state = 'rolled-back';
      state.note = `untouched`;
    }
    return `${state.consumer} ${state.note}`;
  }
}
