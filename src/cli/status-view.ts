/** A rotation's status as the operator sees it: the JSON object README "CLI" promises, or aligned text. */
import { CONSUMERS, SOURCES, type ConsumerState, type RotationStatus } from '../rotation/model';
import { ActionRefusedError } from '../operations';
import { print, printJson } from './output';

/** The fields `status --json` promises (see README): stable names, no secrets. */
export function statusJson(status: RotationStatus) {
  return {
    rotationId: status.rotationId,
    phase: status.phase,
    subject: status.subject,
    recoveryWindowDays: status.recoveryWindowDays,
    pickupGraceSeconds: status.pickupGraceSeconds ?? null,
    oldCredentialId: status.oldCredentialId,
    newCredentialId: status.newCredentialId,
    deactivatedAt: status.deactivatedAt,
    deleteAt: status.deleteAt,
    deletedAt: status.deletedAt ?? null,
    restoredAt: status.restoredAt ?? null,
    consumers: status.consumers,
    notifications: status.notifications ?? [],
    problem: status.problem,
    problemType: status.problemType ?? null,
    timeline: status.timeline,
  };
}

/** What became of the old credential: deleted, back in use, or retired at `deactivatedAt` as its source describes it. */
function oldCredentialNote(status: RotationStatus): string {
  if (status.deletedAt) return ` (deleted ${status.deletedAt})`;
  if (status.restoredAt) return ` (in use again since ${status.restoredAt})`;
  const at = status.deactivatedAt;
  const source = Object.values(SOURCES).find((s) => s.provider === status.provider);
  return at && source ? ` (${source.retiredNote(at)})` : '';
}

/** When the old credential goes (or went), and the window; the pickup grace only if the rotation got that far. */
function deletionLine(status: RotationStatus): string {
  const grace = status.pickupGraceSeconds && status.deactivatedAt ? `; consumers got ${status.pickupGraceSeconds} s to pick up the new key before deactivation` : '';
  const window = `(recovery window ${status.recoveryWindowDays} days${grace})`;
  return status.deletedAt ? `deleted    ${status.deletedAt} ${window}` : `delete at  ${status.deleteAt ?? '–'} ${window}`;
}

/** What a consumer writes the credential into, as its descriptor calls it (the label's prefix names the consumer). */
function consumerPlace(c: ConsumerState): string {
  return Object.values(CONSUMERS).find((d) => c.consumer.startsWith(`${d.cli.prefix}:`))?.place ?? 'set';
}

function consumerLine(c: ConsumerState): string {
  return `consumer   ${c.consumer} [${c.mode}] → ${consumerPlace(c)} ${c.credentialsId}: ${c.state}, holds ${c.holds ?? 'nothing'}${c.note ? ` — ${c.note}` : ''}`;
}

function printStatus(status: RotationStatus): void {
  print(`rotation   ${status.rotationId}`);
  print(`phase      ${status.phase}`);
  print(`subject    ${status.subject}`);
  print(`old key    ${status.oldCredentialId ?? '–'}${oldCredentialNote(status)}`);
  print(`new key    ${status.newCredentialId ?? '–'}`);
  print(deletionLine(status));
  for (const c of status.consumers) print(consumerLine(c));
  if (status.problem) print(`problem    ${status.problemType ? `[${status.problemType}] ` : ''}${status.problem}`);
  for (const n of status.notifications ?? []) if (n.state !== 'delivered') print(`notify     ${n.type} → ${n.target}: ${n.state}${n.problem ? ` (${n.problem})` : ''}`);
  if (status.phase === 'pending-deletion' || status.phase === 'needs-attention') {
    print('');
    print(`next: rotator delete-now ${status.rotationId} --yes   (delete ${status.oldCredentialId} now)`);
    print(`  or: rotator restore ${status.rotationId}           (re-enable ${status.oldCredentialId}; consumers keep the new key)`);
  }
}

/** A refused action, with --json: the rotation as it stays, and why (the message also goes to stderr, with exit code 3). */
export function showRefusal(err: unknown, json: boolean | undefined): never {
  if (json && err instanceof ActionRefusedError && err.status) printJson({ ...statusJson(err.status), refused: err.message });
  throw err;
}

/** A rotation's status, as one JSON line or as text. */
export function showStatus(status: RotationStatus, json: boolean | undefined): void {
  if (json) printJson(statusJson(status));
  else printStatus(status);
}
