/**
 * One rotation of one credential:
 * preflight → creating → verifying → registering → [awaiting-confirmation] → [checking-use] → deactivating →
 * pending-deletion → deleting → completed, or compensating → failed, or restored; the bracketed phases (manual consumers,
 * --await-use) may hold in awaiting-use for an operator. Deterministic: no I/O here, only activities, timers and state.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
// schemas.ts, not model.ts: the request schema is built to parse the input, then dropped (model.ts would keep one copy
// of every schema in each cached rotation)
import { defineRotationSchemas, type RotationRequest, type RotationRequestInput, type RotationStatus } from '../rotation/schemas';
import { RotationPhases } from './phases';
import { reportTo } from './rotation-report';
import { RotationState } from './rotation-state';

export { abortUpdate, confirmUpdate, deleteNowUpdate, proceedUpdate, restoreUpdate, statusQuery } from './rotation-state';

/** Rotates the credential named in the request and keeps every consumer holding a credential that works. */
export async function rotateCredential(input: RotationRequestInput): Promise<RotationStatus> {
  const request = parseRequest(input);
  const rotation = new RotationState(request);
  const phases = new RotationPhases(request, rotation);
  rotation.listen();
  rotation.announce();

  try {
    await phases.preflight();
    await phases.create();
    await phases.verify();
    await phases.register();
    // only with manual consumers or --await-use: each step returns at once otherwise, with no command
    await phases.cutOver.handOver();
    await phases.letConsumersPickUp();
    await phases.cutOver.awaitUse();
    await phases.cutOver.confirmWorld();
    await phases.deactivate();
  } catch (err) {
    const failure = await rotation.compensate(err);
    await reportTo(request.reportTo, rotation.status);
    throw failure;
  }

  // a durable timer that outlives worker and server restarts
  rotation.enter('pending-deletion');
  await reportTo(request.reportTo, rotation.status);
  let { action, cancelled } = await rotation.awaitAction();
  if (!patched('world-checked-before-acting')) {
    // rotations from before the check act as they always did
    return action === 'restore' ? await phases.restore() : await phases.deleteOld();
  }
  // the providers are read before anything is deleted or restored: a refused action leaves the rotation where it was
  for (;;) {
    const ending = action === 'restore' ? await phases.restoreIfAllowed(cancelled) : await phases.deleteIfAllowed(action === 'delete-now');
    if (ending) return ending;
    ({ action, cancelled } = await rotation.awaitAction());
  }
}

function parseRequest(input: RotationRequestInput): RotationRequest {
  const parsed = defineRotationSchemas().RotationRequest.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid rotation request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidRotationRequest');
  }
  return parsed.data;
}
