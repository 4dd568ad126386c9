/** Driving rotations through the operator API (src/operations.ts), as the CLI does, and timing them. */
import type { Client } from '@temporalio/client';
import { deleteNow, rotationStatus, startRotation } from '../../src/operations';
import type { ConsumerSpec } from '../../src/rotation/model';
import { pool, type ConsumerKind, type FleetMember } from './fleet';
import { identities } from './stack';

export const rotationIdOf = (userName: string) => `aws-iam:${identities.accountId}:${userName}`;

function consumerOf(kind: ConsumerKind, consumerId: string): ConsumerSpec {
  return kind === 'soracom' ? { kind: 'soracom-credentials-set', credentialsId: consumerId, mode: 'update' } : { kind: 'csms-secret', secretName: consumerId };
}

export async function startRotations(client: Client, members: readonly FleetMember[], consumer: ConsumerKind, concurrency = 16): Promise<void> {
  await pool(members, concurrency, async ({ userName, consumerId }) => {
    await startRotation(client, {
      source: { kind: 'aws-iam-access-key', userName, accountId: identities.accountId },
      consumers: [consumerOf(consumer, consumerId)],
      recoveryWindowDays: 30,
      // the pickup grace is a deliberate wait, not the rotator's cost; the recorded results predate it
      pickupGraceSeconds: 0,
      requestedBy: 'bench',
    });
  });
}

export interface PhaseCounts {
  parked: number;
  failed: number;
  completed: number;
}

export async function phaseCounts(client: Client): Promise<PhaseCounts> {
  const count = async (query: string) => (await client.workflow.count(`WorkflowType = 'rotateCredential' AND ${query}`)).count;
  const [parked, failed, completed] = await Promise.all([
    count(`RotationPhase = 'pending-deletion' AND ExecutionStatus = 'Running'`),
    count(`ExecutionStatus = 'Failed'`),
    count(`ExecutionStatus = 'Completed'`),
  ]);
  return { parked, failed, completed };
}

/**
 * Polls visibility until `done` holds; fails when nothing moves for `stallMs`. Visibility lags the workflows by well
 * under a second on the dev server; callers that need exact times read them from the rotations' timelines.
 */
export async function waitForCounts(client: Client, what: string, done: (c: PhaseCounts) => boolean, progress: (c: PhaseCounts) => number, stallMs = 180_000): Promise<PhaseCounts> {
  let last = -1;
  let lastMove = Date.now();
  let lastPrint = 0;
  for (;;) {
    const counts = await phaseCounts(client);
    if (done(counts)) return counts;
    const p = progress(counts);
    if (p !== last) [last, lastMove] = [p, Date.now()];
    if (Date.now() - lastMove > stallMs) throw new Error(`${what}: no progress for ${stallMs / 1000} s (${JSON.stringify(counts)})`);
    if (Date.now() - lastPrint > 10_000) {
      process.stderr.write(`  … ${what}: ${JSON.stringify(counts)}\n`);
      lastPrint = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The latest instant any of these rotations entered `phase`, from their own timelines (no visibility lag). */
export async function lastEntered(client: Client, members: readonly FleetMember[], phase: string): Promise<number> {
  const times = await pool(members, 16, async ({ userName }) => {
    const status = await rotationStatus(client, rotationIdOf(userName));
    const entry = status.timeline.find((t) => t.phase === phase);
    return entry ? Date.parse(entry.at) : NaN;
  });
  return Math.max(...times.filter((t) => !Number.isNaN(t)));
}

/** delete-now on each, `concurrency` at a time; returns each call's latency in ms (the update returns once deleted). */
export async function deleteAllNow(client: Client, members: readonly FleetMember[], concurrency: number): Promise<number[]> {
  return await pool(members, concurrency, async ({ userName }) => {
    const started = performance.now();
    const status = await deleteNow(client, rotationIdOf(userName));
    if (status.phase !== 'completed') throw new Error(`delete-now of ${userName} ended ${status.phase}: ${status.problem ?? ''}`);
    return performance.now() - started;
  });
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
