/** What a schedule runs for one credential: start its rotation, or record that one is already in progress. */
import { ApplicationFailure, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { Notifier } from './notifications';
import { defineRotationSchemas, type RotationRequestInput } from '../rotation/schemas';
import { startRotationChild, type StartOutcome } from './start-rotation';

export async function launchRotation(input: { request: RotationRequestInput }): Promise<StartOutcome> {
  const parsed = defineRotationSchemas().RotationRequest.safeParse(input.request);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid rotation request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'InvalidRotationRequest');
  }
  const outcome = await startRotationChild(input.request);
  setCurrentDetails(outcome.outcome === 'started' ? `started rotation ${outcome.rotationId}` : `skipped ${outcome.rotationId}: ${outcome.reason}`);
  if (outcome.outcome === 'skipped') {
    const notifier = new Notifier(parsed.data.notify ?? [], []);
    notifier.send({
      type: 'schedule.run-skipped',
      rotationId: outcome.rotationId,
      summary: `Scheduled run skipped: ${outcome.reason}`,
      fields: { schedule: workflowInfo().workflowId, reason: outcome.reason },
      commands: [`rotator status ${outcome.rotationId}`],
    });
    await notifier.settle();
  }
  return outcome;
}
