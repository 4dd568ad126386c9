/**
 * The rotation model's definitions: phases, limits, the zod schemas of a request (built on demand by
 * `defineRotationSchemas` from the provider registry), the inferred types and the status. `model.ts` builds the schemas once and is what
 * the CLI, activities and worker import. The workflow imports this module instead and builds the schemas only to
 * parse its input: schemas kept at module level would be copied into every cached rotation (most of the ~0.65 MiB of heap
 * each took before; bench/README.md), while zod itself is preloaded once per worker (src/workflow-bundling.ts).
 * Free of I/O and Node built-ins: the workflow bundle includes it.
 */
import { z } from 'zod';
import { CONSUMERS, SOURCES, consumerLabel, consumerPerson, consumerReportsUse, sourceReportsUse, type ConsumerSchema, type SourceSchema } from './registry';

/** Phases in order of a successful rotation, then the other endings. */
export const PHASES = [
  'preflight',
  'creating',
  'verifying',
  'registering',
  // only with a manual consumer: the people it was handed to have not all confirmed they applied it
  'awaiting-confirmation',
  // only with --await-use: polling the providers for the new credential in use and the old one out of use
  'checking-use',
  'deactivating',
  'pending-deletion',
  'deleting',
  'completed',
  'compensating',
  'failed',
  'restored',
  // not an ending: the window is over but the world no longer lets the old credential be deleted; an operator decides
  'needs-attention',
  // not an ending: before deactivation, the evidence (or a confirmation) did not come; an operator proceeds or aborts
  'awaiting-use',
] as const;
export type Phase = (typeof PHASES)[number];
export const TERMINAL_PHASES: readonly Phase[] = ['completed', 'failed', 'restored'];
/** The phases that wait for a person (to confirm, or to decide): following a rotation stops there. */
export const HELD_PHASES: readonly Phase[] = ['awaiting-confirmation', 'awaiting-use', 'needs-attention'];
/** The phases the cut-over waits in, where `proceed` and `abort` are taken. */
export const CUT_OVER_PHASES: readonly Phase[] = ['awaiting-confirmation', 'checking-use', 'awaiting-use'];

/** How long to wait for evidence of use before holding (--await-use): 1 minute to 30 days. */
export const MIN_AWAIT_USE_SECONDS = 60;
export const MAX_AWAIT_USE_SECONDS = 30 * 24 * 3600;
/** How long a person has to confirm a hand-over (--confirm-within): 1 hour to 30 days, 7 days by default. */
export const MIN_CONFIRM_WITHIN_SECONDS = 3600;
export const MAX_CONFIRM_WITHIN_SECONDS = 30 * 24 * 3600;
export const DEFAULT_CONFIRM_WITHIN_SECONDS = 7 * 24 * 3600;

/** Recovery window: whole days, 7–30 (the scheduled-deletion rule of AWS Secrets Manager and of Huawei's secret manager). */
export const MIN_RECOVERY_WINDOW_DAYS = 7;
export const MAX_RECOVERY_WINDOW_DAYS = 30;
export const DEFAULT_RECOVERY_WINDOW_DAYS = 30;

/** Pickup grace bounds: see PickupGraceSeconds. */
export const MAX_PICKUP_GRACE_SECONDS = 3600;
export const DEFAULT_PICKUP_GRACE_SECONDS = 30;

/**
 * Builds the request's schemas from the registry; each call makes new instances (callers keep them as long as they
 * need). Each source and consumer defines its own part in its provider's descriptor.
 */
export function defineRotationSchemas() {
  const RecoveryWindowDays = z
    .number({ error: 'recovery window must be a whole number of days' })
    .int('recovery window must be a whole number of days')
    .min(MIN_RECOVERY_WINDOW_DAYS, `recovery window must be ${MIN_RECOVERY_WINDOW_DAYS}–${MAX_RECOVERY_WINDOW_DAYS} days`)
    .max(MAX_RECOVERY_WINDOW_DAYS, `recovery window must be ${MIN_RECOVERY_WINDOW_DAYS}–${MAX_RECOVERY_WINDOW_DAYS} days`);

  // discriminatedUnion wants a non-empty tuple: the registry's entries, whatever their number
  const SourceSpec = z.discriminatedUnion('kind', Object.values(SOURCES).map((s) => s.schema()) as unknown as [SourceSchema, ...SourceSchema[]]);
  const ConsumerSpec = z.discriminatedUnion('kind', Object.values(CONSUMERS).map((c) => c.schema()) as unknown as [ConsumerSchema, ...ConsumerSchema[]]);

  /**
   * Seconds between "every consumer holds the new credential" and deactivating the old one: software that read the old
   * credential just before the switch (or caches it) moves on before it stops working. 0–3600, default 30.
   */
  const PickupGraceSeconds = z
    .number({ error: 'pickup grace must be a whole number of seconds' })
    .int('pickup grace must be a whole number of seconds')
    .min(0, `pickup grace must be 0–${MAX_PICKUP_GRACE_SECONDS} seconds`)
    .max(MAX_PICKUP_GRACE_SECONDS, `pickup grace must be 0–${MAX_PICKUP_GRACE_SECONDS} seconds`);

  const RotationRequest = z
    .object({
      source: SourceSpec,
      consumers: z.array(ConsumerSpec).min(1, 'at least one consumer is required'),
      recoveryWindowDays: RecoveryWindowDays.default(DEFAULT_RECOVERY_WINDOW_DAYS),
      pickupGraceSeconds: PickupGraceSeconds.default(DEFAULT_PICKUP_GRACE_SECONDS),
      requestedBy: z.string().max(200).optional(),
      /** named notification targets (defined on the workers) to tell of failures, the window, reminders and endings */
      notify: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a notification target is named with 1–64 letters, digits and ._-')).max(10).optional(),
      /** days before deleteAt to remind the targets (1–29, default 3) */
      remindBeforeDays: z.number().int().min(1, 'remind-before must be 1–29 days').max(29, 'remind-before must be 1–29 days').optional(),
      /** the workflow (a fleet run) to tell, by signal, when this rotation parks in its window or fails */
      reportTo: z.string().min(1).max(400).optional(),
      /**
       * before deactivating, wait up to this many seconds for evidence: the new credential seen in use after the switch,
       * the old one not used after the switch and the pickup grace. Absent: deactivate after the grace, as before.
       */
      awaitUseSeconds: z
        .number()
        .int()
        .min(MIN_AWAIT_USE_SECONDS, 'await-use must be 1 minute to 30 days')
        .max(MAX_AWAIT_USE_SECONDS, 'await-use must be 1 minute to 30 days')
        .optional(),
      /** with manual consumers: how long the people have to confirm they applied the new credential (default 7 days) */
      confirmWithinSeconds: z
        .number()
        .int()
        .min(MIN_CONFIRM_WITHIN_SECONDS, 'confirm-within must be 1 hour to 30 days')
        .max(MAX_CONFIRM_WITHIN_SECONDS, 'confirm-within must be 1 hour to 30 days')
        .optional(),
    })
    .refine((r): boolean => new Set(r.consumers.map((c) => consumerLabel(c))).size === r.consumers.length, {
      message: 'each consumer may be named only once',
      path: ['consumers'],
    })
    // evidence must be readable somewhere, or the rotation would wait for what no provider can show
    .refine((r): boolean => r.awaitUseSeconds === undefined || sourceReportsUse(r.source) || r.consumers.some(consumerReportsUse), {
      message: 'await-use needs a provider that reports use: neither this source nor any of its consumers says when a credential was last used (AWS IAM keys, SORACOM AuthKeys and SORACOM sets do)',
      path: ['awaitUseSeconds'],
    })
    .refine((r): boolean => r.confirmWithinSeconds === undefined || r.consumers.some((c) => consumerPerson(c) !== undefined), {
      message: 'confirm-within applies to manual consumers (manual:NAME@<place>) only; this rotation has none',
      path: ['confirmWithinSeconds'],
    });

  return { RecoveryWindowDays, SourceSpec, ConsumerSpec, PickupGraceSeconds, RotationRequest };
}

type Schemas = ReturnType<typeof defineRotationSchemas>;
export type RotationRequest = z.infer<Schemas['RotationRequest']>;
export type RotationRequestInput = z.input<Schemas['RotationRequest']>;
export type { ConsumerSpec, SourceSpec } from './registry';

/** A credential as the source reports it: public id and state only; secrets never appear here. */
export interface CredentialMetadata {
  id: string;
  status: 'Active' | 'Inactive';
  createdAt: string;
}

/** What a consumer holds, as last confirmed by reading it back. */
export interface ConsumerState {
  consumer: string;
  /** how it takes a new credential (`update`/`versioned` sets, `new-version` of a secret, `replace` of a file) */
  mode: string;
  /** where the consumer's software reads after this rotation (differs from the consumer's home when it moved, e.g. a versioned set) */
  credentialsId: string;
  holds: string | null;
  state: 'pending' | 'registered' | 'handed-over' | 'confirmed' | 'rolled-back' | 'failed' | 'retired';
  note?: string;
  /** a manual consumer: the place it is handed over in (`csms:<secret>`, `file:<path>`) */
  handover?: string;
  /** a manual consumer: when it was told the credential waits there, and when (and by whom) it was confirmed applied */
  handedOverAt?: string;
  confirmedAt?: string;
  confirmedBy?: string;
  /** where the provider reports it: when the consumer last used what it holds (null: never) */
  lastUsedAt?: string | null;
}

/** A credential's last use as its provider reports it; service and region where the provider says. */
export interface CredentialUse {
  lastUsedAt: string | null;
  service?: string;
  region?: string;
}

/** What the rotation saw before deactivating, with --await-use (or a hand-over): kept in the status. */
export interface UseEvidence {
  /** when every consumer held the new credential (the last one registered, or the last confirmation) */
  switchedAt: string;
  /** a use of the old credential after this (the switch plus the pickup grace) means something still depends on it */
  quietAfter: string;
  /**
   * the new credential must be seen in use at or after this (quietAfter plus the quiet window): the providers' records
   * then cover a stretch of time long enough for an unknown user of the old credential to show
   */
  evidenceAfter?: string;
  /** when waiting for evidence ends in awaiting-use */
  deadline: string;
  checkedAt: string | null;
  checks: number;
  /** null: the source does not report its credentials' use */
  old: CredentialUse | null;
  new: CredentialUse | null;
  /** what the rotation still waits for; empty once the evidence is in */
  waitingFor: string[];
  /** the operator's decision, if one was taken */
  decision?: { action: 'proceed' | 'abort'; at: string; by: string | null };
}

export interface PhaseEntry {
  phase: Phase;
  at: string;
}

/** Everything `status` returns. Public identifiers and times only. */
export interface RotationStatus {
  rotationId: string;
  phase: Phase;
  provider: string;
  subject: string;
  recoveryWindowDays: number;
  /** seconds consumers get to pick up the new credential before the old one is deactivated (absent in older rotations) */
  pickupGraceSeconds?: number;
  oldCredentialId: string | null;
  newCredentialId: string | null;
  deactivatedAt: string | null;
  deleteAt: string | null;
  /** when the old credential was deleted, or found already gone (absent in older rotations) */
  deletedAt?: string | null;
  /** when the old credential was put back in use (absent in older rotations) */
  restoredAt?: string | null;
  /** what was sent to the request's notification targets, and whether it arrived (absent when it names none) */
  notifications?: { id: string; type: string; target: string; state: 'pending' | 'delivered' | 'undelivered'; problem?: string }[];
  consumers: ConsumerState[];
  timeline: PhaseEntry[];
  /** why the rotation failed, or what an operator must do; null while all is well */
  problem: string | null;
  /** the typed error behind `problem` (e.g. IamAccessDenied, IamThrottled); absent in rotations started before it existed */
  problemType?: string | null;
  /** with --await-use: the evidence of use gathered before deactivation (absent otherwise) */
  use?: UseEvidence;
}

/** Argument of the `confirm` update: which manual consumer (`manual:NAME`) applied the new credential, and who says so. */
export interface ConfirmInput {
  consumer: string;
  by?: string;
}

/** Argument of the `proceed` and `abort` updates: who decided (recorded in the status). */
export interface DecisionInput {
  by?: string;
}

/** Argument of the `deleteNow` update: the operator names the old credential to prove intent. */
export interface DeleteNowInput {
  confirmCredentialId: string;
}
