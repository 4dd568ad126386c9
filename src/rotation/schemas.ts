/**
 * The rotation model's definitions: phases, limits, the zod schemas of a request (built on demand by
 * `defineRotationSchemas` from the provider registry), the inferred types and the status. `model.ts` builds the schemas once and is what
 * the CLI, activities and worker import. The workflow imports this module instead and builds the schemas only to
 * parse its input: schemas kept at module level would be copied into every cached rotation (most of the ~0.65 MiB of heap
 * each took before; bench/README.md), while zod itself is preloaded once per worker (src/workflow-bundling.ts).
 * Free of I/O and Node built-ins: the workflow bundle includes it.
 */
import { z } from 'zod';
import { CONSUMERS, SOURCES, consumerLabel, type ConsumerSchema, type SourceSchema } from './registry';

/** Phases in order of a successful rotation, then the other endings. */
export const PHASES = [
  'preflight',
  'creating',
  'verifying',
  'registering',
  'deactivating',
  'pending-deletion',
  'deleting',
  'completed',
  'compensating',
  'failed',
  'restored',
  // not an ending: the window is over but the world no longer lets the old credential be deleted; an operator decides
  'needs-attention',
] as const;
export type Phase = (typeof PHASES)[number];
export const TERMINAL_PHASES: readonly Phase[] = ['completed', 'failed', 'restored'];

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
    })
    .refine((r): boolean => new Set(r.consumers.map((c) => consumerLabel(c))).size === r.consumers.length, {
      message: 'each consumer may be named only once',
      path: ['consumers'],
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
  state: 'pending' | 'registered' | 'rolled-back' | 'failed' | 'retired';
  note?: string;
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
}

/** Argument of the `deleteNow` update: the operator names the old credential to prove intent. */
export interface DeleteNowInput {
  confirmCredentialId: string;
}
