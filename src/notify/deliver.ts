/**
 * The delivery activity, on its own task queue (`notifications`): each event to each target the rotation named, at
 * least once. A receiver that is down or answers 5xx is retried by Temporal; one that refuses (4xx), or a target this
 * worker does not know, fails that delivery at once. No URL, key or body ever reaches a log or an error message.
 */
import { ApplicationFailure } from '@temporalio/common';
import { log } from '@temporalio/activity';
import { createHttpClient } from '../providers/http/client';
import { scrub } from '../providers/http/scrub';
import type { RotatorEvent } from './events';
export { NOTIFICATIONS_TASK_QUEUE } from './events';
import { signedWebhook, slackMessage } from './formats';
import { targetSecrets, type NotifyTargets } from './targets';

export interface NotifyActivities {
  /** Delivers one event to one named target; throws (retryable or not) until the receiver takes it. */
  deliverEvent(input: { event: RotatorEvent; target: string }): Promise<void>;
  /**
   * Checks that each named target is defined on this worker; fails fast naming the missing ones. A rotation that hands a
   * credential to a person checks this in preflight: nobody would otherwise be told to confirm.
   */
  assertTargetsKnown(input: { targets: string[]; why: string }): Promise<void>;
}

export function createNotifyActivities(targets: NotifyTargets, now: () => number = Date.now): NotifyActivities {
  const http = createHttpClient({ timeoutMs: 10_000 });
  const secrets = targetSecrets(targets);
  return {
    async assertTargetsKnown({ targets: names, why }) {
      const missing = names.filter((name) => !targets[name]);
      if (missing.length > 0) {
        throw ApplicationFailure.nonRetryable(
          `notification target${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not defined on the workers (ROTATOR_NOTIFY_TARGETS): ${why}. No change was made.`,
          'NotifyTargetUnknown',
        );
      }
    },

    async deliverEvent({ event, target }) {
      const t = targets[target];
      if (!t) throw ApplicationFailure.nonRetryable(`notification target '${target}' is not defined on this worker (ROTATOR_NOTIFY_TARGETS)`, 'NotifyTargetUnknown');
      const { body, headers } = t.type === 'webhook' ? signedWebhook(event, t.signingKey, Math.floor(now() / 1000)) : slackMessage(event);
      let status: number;
      try {
        status = (await http.post(t.url, body, { headers, transformRequest: [(d: unknown) => d] })).status;
      } catch (err) {
        throw ApplicationFailure.retryable(`target '${target}' did not answer: ${scrub((err as Error).message, secrets)}`, 'NotifyTargetUnreachable');
      }
      if (status >= 200 && status < 300) {
        log.info('notification delivered', { target, eventId: event.id, type: event.type });
        return;
      }
      const message = `target '${target}' answered HTTP ${status} to ${event.type} ${event.id}`;
      if (status === 429 || status >= 500) throw ApplicationFailure.retryable(message, 'NotifyTargetUnavailable');
      throw ApplicationFailure.nonRetryable(`${message}: it refuses the message, retrying will not help`, 'NotifyTargetRefused');
    },
  };
}
