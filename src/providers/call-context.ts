import { Context } from '@temporalio/activity';

/**
 * Which rotation and activity attempt is making a provider call, for the User-Agent: provider-side logs (CloudTrail's
 * `userAgent`, proxies) then tie each call to its rotation. Public ids only. Undefined outside an activity.
 */
export function callContext(): string | undefined {
  let info;
  try {
    info = Context.current().info;
  } catch {
    return undefined; // not in an activity (CLI, tests calling the client directly)
  }
  return `rotation ${info.workflowExecution?.workflowId ?? '-'}; ${info.activityType} ${info.activityId} attempt ${info.attempt}`;
}

export const USER_AGENT_PRODUCT = 'credential-rotator';
