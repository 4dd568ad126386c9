/** A rotation's status as the operator sees it: the JSON object README "CLI" promises, or aligned text. */
import { CONSUMERS, SOURCES, type ConsumerState, type CredentialUse, type RotationStatus } from '../rotation/model';
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
    use: status.use ?? null,
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

/** What a consumer writes the credential into, as its descriptor calls it (the label's prefix, or a hand-over's place, names the consumer). */
function consumerPlace(c: ConsumerState): string {
  const label = c.handover ?? c.consumer;
  return Object.values(CONSUMERS).find((d) => label.startsWith(`${d.cli.prefix}:`))?.place ?? 'set';
}

function consumerLine(c: ConsumerState): string {
  const confirmed = c.confirmedAt ? ` (confirmed ${c.confirmedAt}${c.confirmedBy ? ` by ${c.confirmedBy}` : ''})` : c.handedOverAt ? ` (handed over ${c.handedOverAt})` : '';
  const used = c.lastUsedAt !== undefined ? `, last used ${c.lastUsedAt ?? 'never'}` : '';
  return `consumer   ${c.consumer} [${c.mode}] → ${consumerPlace(c)} ${c.credentialsId}: ${c.state}${confirmed}, holds ${c.holds ?? 'nothing'}${used}${c.note ? ` — ${c.note}` : ''}`;
}

const useOf = (u: CredentialUse | null): string => (u === null ? 'not reported by its provider' : `${u.lastUsedAt ?? 'never'}${u.service || u.region ? ` (${[u.service, u.region].filter(Boolean).join(', ')})` : ''}`);

/** With --await-use: what the rotation saw of each credential's use, and what it still waits for. */
function useLines(status: RotationStatus): string[] {
  const u = status.use;
  if (!u) return [];
  const lines = [
    `evidence   switched ${u.switchedAt}; old key must be unused after ${u.quietAfter}; new key seen from ${u.evidenceAfter ?? u.quietAfter}; deadline ${u.deadline}; ${u.checks} check(s), last ${u.checkedAt ?? '–'}`,
    `  old key  ${status.oldCredentialId ?? '–'} last used ${useOf(u.old)}`,
    `  new key  ${status.newCredentialId ?? '–'} last used ${useOf(u.new)}`,
    ...u.waitingFor.map((w) => `  waiting  ${w}`),
  ];
  if (u.decision) lines.push(`  decided  ${u.decision.action} by ${u.decision.by ?? 'an operator'} at ${u.decision.at}`);
  return lines;
}

function printStatus(status: RotationStatus): void {
  print(`rotation   ${status.rotationId}`);
  print(`phase      ${status.phase}`);
  print(`subject    ${status.subject}`);
  print(`old key    ${status.oldCredentialId ?? '–'}${oldCredentialNote(status)}`);
  print(`new key    ${status.newCredentialId ?? '–'}`);
  print(deletionLine(status));
  for (const c of status.consumers) print(consumerLine(c));
  for (const line of useLines(status)) print(line);
  if (status.problem) print(`problem    ${status.problemType ? `[${status.problemType}] ` : ''}${status.problem}`);
  for (const n of status.notifications ?? []) if (n.state !== 'delivered') print(`notify     ${n.type} → ${n.target}: ${n.state}${n.problem ? ` (${n.problem})` : ''}`);
  if (status.phase === 'awaiting-confirmation' || status.phase === 'checking-use' || status.phase === 'awaiting-use') {
    const waiting = status.consumers.filter((c) => c.handover !== undefined && c.state !== 'confirmed');
    print('');
    for (const c of waiting) print(`${c === waiting[0] ? 'next:' : '  or:'} rotator confirm ${status.rotationId} --consumer ${c.consumer}   (${c.consumer} applied ${status.newCredentialId})`);
    print(`${waiting.length ? '  or:' : 'next:'} rotator proceed ${status.rotationId} --yes   (deactivate ${status.oldCredentialId} without waiting any longer)`);
    print(`  or: rotator abort ${status.rotationId}           (undo the rotation; ${status.oldCredentialId} stays in use)`);
  }
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
