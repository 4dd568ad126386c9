/**
 * One rotation of one credential:
 * preflight → creating → verifying → registering → deactivating → pending-deletion → deleting → completed,
 * or compensating → failed, or restored. Deterministic: no I/O here, only activities, timers and state.
 */
import { ApplicationFailure } from '@temporalio/workflow';
// schemas.ts, not model.ts: the request schema is built to parse the input, then dropped (model.ts would keep one copy
// of every schema in each cached rotation)
import { defineRotationSchemas, type RotationRequest, type RotationRequestInput, type RotationStatus } from '../rotation/schemas';
import { RotationPhases } from './phases';
import { RotationState } from './rotation-state';

export { deleteNowUpdate, restoreUpdate, statusQuery } from './rotation-state';

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
    await phases.letConsumersPickUp();
    await phases.deactivate();
  } catch (err) {
    throw await rotation.compensate(err);
  }

  // a durable timer that outlives worker and server restarts
  rotation.enter('pending-deletion');
  if ((await rotation.awaitWindowEnd()) === 'restore') return await phases.restore();
  return await phases.deleteOld();
}

function parseRequest(input: RotationRequestInput): RotationRequest {
  const parsed = defineRotationSchemas().RotationRequest.safeParse(input);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid rotation request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidRotationRequest');
  }
  return parsed.data;
}
