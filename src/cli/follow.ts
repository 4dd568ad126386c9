/** The shared end of every `rotate <source>`: start the rotation, then follow its phases live up to `--wait`. */
import type { Client } from '@temporalio/client';
import { DEFAULT_PICKUP_GRACE_SECONDS, HELD_PHASES, PHASES, TERMINAL_PHASES, type ConsumerSpec, type Phase, type RotationRequestInput, type RotationStatus } from '../rotation/model';
import { parseRotationRequest, startRotation, rotationStatus } from '../operations';
import { captured } from './capture';
import { EXIT_FAILED } from './exit-codes';
import type { FollowOptions, WindowOptions } from './options';
import { print, printJson, type Output } from './output';
import { showStatus } from './status-view';
import { withClient } from './temporal';

/** Polls the status and prints each new phase until `target` (or an ending) is reached. */
async function followPhases(client: Client, rotationId: string, target: Phase, out: Output): Promise<RotationStatus> {
  const order = (p: Phase) => PHASES.indexOf(p);
  let shown = 0;
  for (;;) {
    const status = await rotationStatus(client, rotationId);
    for (; shown < status.timeline.length; shown++) {
      const step = status.timeline[shown]!;
      if (out.json) printJson({ rotationId, phase: step.phase, at: step.at });
      else print(`  ${step.at}  ${step.phase}`);
    }
    // a rotation waiting for a person (a confirmation, a decision) will not move on its own: stop and say what it waits for
    const reached =
      TERMINAL_PHASES.includes(status.phase) || HELD_PHASES.includes(status.phase) || (order(status.phase) >= order(target) && order(status.phase) <= order('completed'));
    if (reached) return status;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * Starts a rotation, prints that it started (with `note`), then follows its phases up to `--wait` (default: past
 * preflight) and shows the status; a failed rotation sets exit code 1.
 */
async function startAndFollow(client: Client, request: RotationRequestInput, opts: { wait: Phase | boolean; note?: string }, out: Output): Promise<void> {
  const handle = await startRotation(client, { ...request, requestedBy: process.env.USER });
  const rotationId = handle.workflowId;
  if (out.json) printJson({ rotationId, runId: handle.firstExecutionRunId, started: true });
  else print(`started rotation ${rotationId}${opts.note ?? ''}`);
  if (opts.wait === false) return;
  const status = await followPhases(client, rotationId, typeof opts.wait === 'string' ? opts.wait : 'creating', out);
  if (!out.json) print('');
  showStatus(status, out.json);
  if (status.phase === 'failed') process.exitCode = EXIT_FAILED;
}

/** What a source command hands over: its spec, its consumers, its options, the window it defaults to. */
export interface RotationOrder {
  source: RotationRequestInput['source'];
  consumers: ConsumerSpec[];
  opts: WindowOptions & FollowOptions;
  defaultRecoveryWindowDays: number;
  /** said after "started rotation <id>", e.g. that the old credential stays usable */
  note?: string;
}

/** Connects, starts the rotation with the source's defaults filled in, and follows it. */
export async function rotateAndFollow({ source, consumers, opts, defaultRecoveryWindowDays, note }: RotationOrder): Promise<void> {
  const request: RotationRequestInput = {
    source,
    consumers,
    recoveryWindowDays: opts.recoveryWindow ?? defaultRecoveryWindowDays,
    pickupGraceSeconds: opts.pickupGrace ?? DEFAULT_PICKUP_GRACE_SECONDS,
    ...(opts.notify?.length ? { notify: opts.notify } : {}),
    ...(opts.remindBefore ? { remindBeforeDays: opts.remindBefore } : {}),
    ...(opts.awaitUse === undefined ? {} : { awaitUseSeconds: opts.awaitUse }),
    ...(opts.confirmWithin === undefined ? {} : { confirmWithinSeconds: opts.confirmWithin }),
  };
  // refused here, before a schedule keeps it or Temporal sees it: the same checks the workflow makes
  parseRotationRequest(request);
  if (captured({ kind: 'rotation', request })) return;
  await withClient((client) => startAndFollow(client, request, { wait: opts.wait, note }, { json: !!opts.json }));
}
