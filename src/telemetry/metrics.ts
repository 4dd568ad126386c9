/**
 * The rotator's own Prometheus series, named once. Every one goes through the Temporal SDK's metric meter, so the
 * worker's single exporter (Temporal core's, at ROTATOR_METRICS_ADDRESS) serves them beside the SDK's `temporal_*`
 * series. Pure definitions: the workflow bundle imports this file.
 *
 * Conventions (prometheus.io/docs/practices/naming): the unit in the name (`_seconds`), `_total` on counters, base
 * units, and labels of bounded sets only: provider and kind names, phases, operation names, typed problem names. No
 * rotation id, user, key id, set or secret name is ever a label; those are in the workflow's history and search
 * attributes. The SDK adds its own labels, in its own camelCase: `namespace`, `taskQueue` and `workflowType` to workflow
 * series, and to activity series the activity's (`activityType`).
 */

/** Series the rotation workflow records as it moves through its phases (never while replaying). */
export const ROTATION_SERIES = {
  started: { name: 'rotator_rotations_started_total', help: 'Rotations started, by source provider and consumer kinds.' },
  completed: { name: 'rotator_rotations_completed_total', help: 'Rotations ended completed: the old credential deleted.' },
  failed: { name: 'rotator_rotations_failed_total', help: 'Rotations ended failed, by the typed problem (problem_type).' },
  compensated: { name: 'rotator_rotations_compensated_total', help: 'Rotations that ran their undo steps (compensating), before ending failed.' },
  restored: { name: 'rotator_rotations_restored_total', help: 'Rotations ended restored: the old credential back in use.' },
  needsAttention: { name: 'rotator_rotations_needs_attention_total', help: 'Final deletions refused at deleteAt: the rotation waits in needs-attention for an operator.' },
  phaseDuration: { name: 'rotator_rotation_phase_duration_seconds', help: 'Time a rotation spent in a phase (workflow time), recorded when it leaves it.' },
} as const;

/** Series the provider clients record for each call to a provider, inside activities. */
export const PROVIDER_SERIES = {
  calls: { name: 'rotator_provider_calls_total', help: 'Calls to a provider API, by provider, operation and outcome (success, throttled, client_error, server_error, no_answer).' },
  duration: { name: 'rotator_provider_call_duration_seconds', help: 'Duration of calls to a provider API, by provider and operation.' },
} as const;

/** Gauges the worker sets from Temporal's visibility store (the rotation survey), the same on every replica. */
export const SURVEY_SERIES = {
  open: { name: 'rotator_rotations_open', help: 'Running rotations by phase (pending-deletion: in their recovery window).' },
  nextDeletion: { name: 'rotator_rotations_next_deletion_timestamp_seconds', help: 'The earliest deleteAt of a rotation in its recovery window, as a Unix time; 0 when none is.' },
  deletionOverdue: { name: 'rotator_rotations_deletion_overdue', help: 'Rotations still in pending-deletion more than 15 minutes after their deleteAt (no worker took the final step).' },
  lastSurvey: { name: 'rotator_rotation_survey_timestamp_seconds', help: 'When the worker last read the rotations from visibility, as a Unix time.' },
} as const;

/** The worker's own state, as its readiness endpoint answers it. */
export const WORKER_SERIES = {
  ready: { name: 'rotator_worker_ready', help: '1 while the worker is connected to Temporal and polling every task queue, else 0.' },
} as const;

/**
 * Reserved for fleet plans (`rotator plan` / `rotator fleet`, in progress): credentials due and overdue for rotation and
 * the age of the oldest Active credential. Not emitted yet; the dashboard and the CredentialOverdue alert already read
 * them, and show nothing until a fleet feature sets them.
 */
export const FLEET_SERIES = {
  due: { name: 'rotator_fleet_credentials_due', help: 'Credentials a fleet plan says are due for rotation (not emitted yet).' },
  overdue: { name: 'rotator_fleet_credentials_overdue', help: 'Credentials past their rotation deadline (not emitted yet).' },
  oldestActiveAge: { name: 'rotator_fleet_oldest_active_credential_age_seconds', help: 'Age of the oldest Active credential in the fleet (not emitted yet).' },
} as const;

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Histogram buckets, in seconds. Phases last from a second (preflight) through a minute (verifying a new IAM key polls
 * for ~46 s) to the recovery window of 7–30 days; provider calls from milliseconds to the 30 s timeout.
 */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [ROTATION_SERIES.phaseDuration.name]: [0.5, 1, 2.5, 5, 10, 30, MINUTE, 2 * MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, DAY, 7 * DAY, 14 * DAY, 30 * DAY, 31 * DAY],
  [PROVIDER_SERIES.duration.name]: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
};

/** How a provider answered one call. */
export type CallOutcome = 'success' | 'throttled' | 'client_error' | 'server_error' | 'no_answer';

/** The outcome of an HTTP answer: 429 is throttling for every provider the rotator calls (CSMS's APIGW.0308 included). */
export function outcomeOfStatus(status: number): CallOutcome {
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'success';
}

/**
 * A call's operation as a label: the provider's name for the call, without the context some clients add to it
 * (SORACOM's `auth (for listCredentials)` is `auth`), so the set stays the clients' fixed list.
 */
export function operationLabel(operation: string): string {
  const bare = operation.split(' (')[0]!.trim();
  return bare === '' ? 'unknown' : bare;
}
