/** `rotator rotate wallarm-token --expiring-within`: finds the Wallarm API tokens due for rotation and starts one rotation each. */
import type { Client } from '@temporalio/client';
import { rotationIdFor, type ConsumerSpec } from '../../rotation/model';
import { OperatorError, startRotation } from '../../operations';
import type { WallarmClient } from './client';
import type { WallarmCloud } from './descriptor';
import { tokensExpiringWithin } from './token-selection';

export interface ExpiringTokenOutcome {
  tokenId: number;
  name: string;
  expireAt: string;
  rotationId: string;
  /** started; already-rotating (a live rotation holds it, e.g. an old token kept enabled in its window); not-started (why in `detail`) */
  outcome: 'started' | 'already-rotating' | 'not-started';
  detail?: string;
}

export interface RotateExpiringOptions {
  cloud: WallarmCloud;
  withinMs: number;
  consumerMap: ReadonlyMap<string, ConsumerSpec[]>;
  recoveryWindowDays: number;
  pickupGraceSeconds?: number;
  lifetimeDays?: number;
  requestedBy?: string;
  now?: number;
}

export async function rotateExpiringTokens(temporal: Client, wallarm: WallarmClient, options: RotateExpiringOptions): Promise<ExpiringTokenOutcome[]> {
  const due = tokensExpiringWithin(await wallarm.listTokens(), options.now ?? Date.now(), options.withinMs);
  const outcomes: ExpiringTokenOutcome[] = [];
  for (const token of due) {
    const source = { kind: 'wallarm-api-token' as const, cloud: options.cloud, tokenId: token.id, ...(options.lifetimeDays === undefined ? {} : { lifetimeDays: options.lifetimeDays }) };
    const base = { tokenId: token.id, name: token.realname, expireAt: token.expire_at!, rotationId: rotationIdFor(source) };
    const consumers = options.consumerMap.get(token.realname);
    if (consumers === undefined) {
      outcomes.push({ ...base, outcome: 'not-started', detail: `no consumers for "${token.realname}" in the consumer map` });
      continue;
    }
    try {
      await startRotation(temporal, { source, consumers, recoveryWindowDays: options.recoveryWindowDays, pickupGraceSeconds: options.pickupGraceSeconds, requestedBy: options.requestedBy });
      outcomes.push({ ...base, outcome: 'started' });
    } catch (err) {
      if (!(err instanceof OperatorError)) throw err;
      outcomes.push({ ...base, outcome: /is already running/.test(err.message) ? 'already-rotating' : 'not-started', detail: err.message });
    }
  }
  return outcomes;
}
