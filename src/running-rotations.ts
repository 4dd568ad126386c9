import type { Client } from '@temporalio/client';

/** The ids of every rotation running now: a plan skips them, as a fleet run would. */
export async function runningRotationIds(client: Client): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const wf of client.workflow.list({ query: `WorkflowType = 'rotateCredential' AND ExecutionStatus = 'Running'`, pageSize: 1000 })) ids.add(wf.workflowId);
  return ids;
}
