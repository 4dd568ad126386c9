import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { rotationStatus } from '../../src/operations';
import { TERMINAL_PHASES, type Phase, type RotationStatus } from '../../src/rotation/model';

/** Polls the status query in real time (queries do not skip time) until the rotation reaches `phase`. */
export async function waitForPhase(client: Client, rotationId: string, phase: Phase, timeoutMs = 60_000): Promise<RotationStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await rotationStatus(client, rotationId);
    if (status.phase === phase) return status;
    if (TERMINAL_PHASES.includes(status.phase)) throw new Error(`${rotationId} ended ${status.phase} before ${phase}: ${status.problem}`);
    if (Date.now() > deadline) throw new Error(`${rotationId} stuck in ${status.phase}${status.use ? `; evidence ${JSON.stringify(status.use)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for the rotation to fail, then returns its status as the CLI reads it. */
export async function failedStatus(client: Client, handle: WorkflowHandle): Promise<RotationStatus> {
  const err = await handle.result().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return await rotationStatus(client, handle.workflowId);
}
