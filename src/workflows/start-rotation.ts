/**
 * Starting a rotation from a workflow (a schedule's run, a fleet run): a child under the one id a credential's rotation
 * has, left to run on its own (its window lasts weeks), and the one-rotation-per-credential rule kept: a credential
 * already rotating is skipped, never failed.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild, workflowInfo, WorkflowIdReusePolicy } from '@temporalio/workflow';
import { IN_PROGRESS } from '../rotation/fleet';
import { rotationIdFor, sourceProvider, subjectOf } from '../rotation/registry';
import type { RotationRequestInput } from '../rotation/schemas';
import { CredentialProviderKey, CredentialSubjectKey, RotationPhaseKey } from '../rotation/search-attributes';
import { ROTATIONS_TASK_QUEUE } from '../rotation/task-queues';
import { rotateCredential } from './rotate-credential';

export type StartOutcome = { outcome: 'started'; rotationId: string } | { outcome: 'skipped'; rotationId: string; reason: string };

/** Starts the rotation a request names, as a child that outlives this workflow; `reportTo` asks it to report back. */
export async function startRotationChild(request: RotationRequestInput, options: { reportTo?: string } = {}): Promise<StartOutcome> {
  const rotationId = rotationIdFor(request.source as Parameters<typeof rotationIdFor>[0]);
  const source = request.source as Parameters<typeof subjectOf>[0];
  try {
    await startChild(rotateCredential, {
      workflowId: rotationId,
      taskQueue: ROTATIONS_TASK_QUEUE,
      args: [{ ...request, requestedBy: `${workflowInfo().workflowType} ${workflowInfo().workflowId}`, ...(options.reportTo ? { reportTo: options.reportTo } : {}) }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      // a finished rotation of the credential may be followed by a new one; a running one may not
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      typedSearchAttributes: [
        { key: RotationPhaseKey, value: 'preflight' },
        { key: CredentialProviderKey, value: sourceProvider(source) },
        { key: CredentialSubjectKey, value: subjectOf(source) },
      ],
    });
    return { outcome: 'started', rotationId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { outcome: 'skipped', rotationId, reason: IN_PROGRESS };
    throw err;
  }
}
