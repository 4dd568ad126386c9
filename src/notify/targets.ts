/**
 * Where notifications go: named targets defined once in the worker's environment (ROTATOR_NOTIFY_TARGETS, JSON) or a
 * file (ROTATOR_NOTIFY_TARGETS_FILE). Their URLs and signing keys are secrets: they stay on the workers, never in a
 * request, history or a log; a rotation names its targets only.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TARGET_NAME } from './events';

const Webhook = z.object({
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }),
  /** HMAC-SHA256 key the receiver shares: at least 32 characters */
  signingKey: z.string().min(32, 'signingKey must be at least 32 characters (openssl rand -hex 32)'),
});
const Slack = z.object({ type: z.literal('slack'), url: z.url({ protocol: /^https?$/, error: 'url must be an http(s) URL' }) });
const Target = z.discriminatedUnion('type', [Webhook, Slack]);
export type NotifyTarget = z.infer<typeof Target>;

const Targets = z.record(z.string().regex(TARGET_NAME, 'target names are 1–64 letters, digits and ._-'), Target);
export type NotifyTargets = Readonly<Record<string, NotifyTarget>>;

const HOW = 'e.g. {"ops": {"type": "webhook", "url": "https://hooks.example.com/rotator", "signingKey": "<openssl rand -hex 32>"}, "sec-slack": {"type": "slack", "url": "https://hooks.slack.com/services/…"}}';

/** The worker's targets; none configured is an empty map (a rotation naming one then records it undelivered, saying why). */
export function notifyTargetsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifyTargets {
  const file = env.ROTATOR_NOTIFY_TARGETS_FILE;
  const raw = env.ROTATOR_NOTIFY_TARGETS || (file ? readTargetsFile(file) : undefined);
  if (!raw) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`${env.ROTATOR_NOTIFY_TARGETS ? 'ROTATOR_NOTIFY_TARGETS' : `ROTATOR_NOTIFY_TARGETS_FILE ${file}`} is not JSON; ${HOW}`);
  }
  const parsed = Targets.safeParse(json);
  // the messages name fields, never a URL or key
  if (!parsed.success) throw new Error(`notification targets: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}; ${HOW}`);
  return parsed.data;
}

function readTargetsFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`ROTATOR_NOTIFY_TARGETS_FILE ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The secrets in the targets: what scrubbing removes from any message. */
export const targetSecrets = (targets: NotifyTargets): string[] => Object.values(targets).flatMap((t) => (t.type === 'webhook' ? [t.url, t.signingKey] : [t.url]));
