/** The bodies each kind of target receives. */
import { createHmac } from 'node:crypto';
import type { RotatorEvent } from './events';

/** The signature header of a webhook: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (a receiver recomputes it). */
export const SIGNATURE_HEADER = 'X-Rotator-Signature';
export const EVENT_ID_HEADER = 'X-Rotator-Event-Id';

export function signedWebhook(event: RotatorEvent, signingKey: string, nowSeconds: number): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ id: event.id, type: event.type, time: event.time, rotationId: event.rotationId, summary: event.summary, ...event.fields, commands: event.commands });
  const signature = createHmac('sha256', signingKey).update(`${nowSeconds}.${body}`).digest('hex');
  return { body, headers: { 'Content-Type': 'application/json', [SIGNATURE_HEADER]: `t=${nowSeconds},v1=${signature}`, [EVENT_ID_HEADER]: event.id } };
}

const EMOJI: Record<RotatorEvent['type'], string> = {
  'rotation.failed': ':x:',
  'rotation.pending-deletion': ':hourglass_flowing_sand:',
  'rotation.deletion-reminder': ':alarm_clock:',
  'rotation.completed': ':white_check_mark:',
  'rotation.restored': ':leftwards_arrow_with_hook:',
  'rotation.deletion-refused': ':warning:',
  'rotation.awaiting-use': ':hourglass:',
  'rotation.handover': ':key:',
  'rotation.confirmation-reminder': ':alarm_clock:',
  'fleet.summary': ':bar_chart:',
  'schedule.run-skipped': ':fast_forward:',
};

/** Slack incoming-webhook blocks: what happened, the phase and subject, and the command to run. */
export function slackMessage(event: RotatorEvent): { body: string; headers: Record<string, string> } {
  const f = event.fields;
  const facts = [f.phase ? `*phase* ${String(f.phase)}` : '', f.subject ? `*subject* ${String(f.subject)}` : '', f.deleteAt ? `*delete at* ${String(f.deleteAt)}` : '']
    .filter(Boolean)
    .join('   ');
  const blocks = [
    { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[event.type]} *${event.summary}*` } },
    ...(facts ? [{ type: 'section', text: { type: 'mrkdwn', text: facts } }] : []),
    ...(f.problem ? [{ type: 'section', text: { type: 'mrkdwn', text: `*problem* ${String(f.problem)}` } }] : []),
    ...(event.commands.length ? [{ type: 'context', elements: event.commands.map((c) => ({ type: 'mrkdwn', text: `\`${c}\`` })) }] : []),
  ];
  return { body: JSON.stringify({ text: `${event.summary} (${event.rotationId})`, blocks }), headers: { 'Content-Type': 'application/json' } };
}
