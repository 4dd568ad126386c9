/**
 * Reads a workflow history in Temporal's JSON form (what `temporal workflow show --output json` and
 * `historyToJSON` write) the way an attacker holding the file would, and the way the rotator can, with the key.
 */
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { JSONToPayload } from '@temporalio/common/lib/proto-utils';
import { EncryptionCodec, ENCODING } from '../../src/codec/encryption-codec';
import { DEMO_CODEC_KEYS, parseKeyRing } from '../../src/codec/key-ring';

export interface JsonPayload {
  /** where in the history it sits, e.g. `events.4.activityTaskScheduledEventAttributes.input.payloads.0` */
  path: string;
  encoding: string;
  json: { metadata: Record<string, string>; data?: string };
}

/** Every payload in a JSON history: any object with a base64 `metadata.encoding`. */
export function payloadsIn(node: unknown, path: string[] = []): JsonPayload[] {
  if (node === null || typeof node !== 'object') return [];
  const record = node as Record<string, unknown>;
  const metadata = record.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata === 'object' && typeof metadata[METADATA_ENCODING_KEY] === 'string') {
    const encoding = Buffer.from(metadata[METADATA_ENCODING_KEY], 'base64').toString();
    return [{ path: path.join('.'), encoding, json: record as JsonPayload['json'] }];
  }
  return Object.entries(record).flatMap(([key, value]) => payloadsIn(value, [...path, key]));
}

/**
 * Plaintext by design, everything else must be encrypted: search attributes (never encoded, README "Secrets in
 * workflow history") and the patch markers `patched()` records, which Temporal's core writes itself and hold only the patch id.
 */
export function isPlainByDesign(payload: JsonPayload): boolean {
  return /\.searchAttributes\.indexedFields\./.test(payload.path) || /\.markerRecordedEventAttributes\.details\.patch-data\./.test(payload.path);
}

export function isEncrypted(payload: JsonPayload): boolean {
  return payload.encoding === ENCODING;
}

const demoCodec = new EncryptionCodec(parseKeyRing(DEMO_CODEC_KEYS));

/** The value inside an encrypted payload, decrypted with the demo key the tests and fixtures use. */
export async function decryptedValue(payload: JsonPayload): Promise<unknown> {
  const [plain] = await demoCodec.decode([JSONToPayload(payload.json)]);
  return defaultPayloadConverter.fromPayload(plain!);
}

/** Every string held under a key that names a secret (`secretAccessKey`, `secret`, `authKey` …), at any depth. */
export function secretsIn(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
    typeof inner === 'string' && /secret|authKey|password|token/i.test(key) && inner.length >= 8 ? [inner] : secretsIn(inner),
  );
}

/** The forms a secret could take in a JSON history file: as is, and base64 at each of the three byte alignments. */
export function leakedForms(secret: string): string[] {
  // in base64 only the groups wholly inside the secret are fixed: drop the first (if shared) and the last group
  const base64 = [0, 1, 2].map((pad) => Buffer.from('\0'.repeat(pad) + secret).toString('base64').slice(pad === 0 ? 0 : 4, -4));
  return [secret, ...base64.filter((form) => form.length >= 12)];
}

/** Every secret the history carries, found by decrypting each encrypted payload: what must not appear in the file in clear. */
export async function decryptedSecrets(history: unknown): Promise<string[]> {
  const found = await Promise.all(payloadsIn(history).filter(isEncrypted).map(async (p) => secretsIn(await decryptedValue(p))));
  return [...new Set(found.flat())];
}

/** The patch ids recorded in a history by `patched()` / `deprecatePatch()` (core's `core_patch` markers). */
export function patchMarkers(history: unknown): string[] {
  const events = (history as { events?: { markerRecordedEventAttributes?: { markerName?: string; details?: Record<string, { payloads?: JsonPayload['json'][] }> } }[] }).events ?? [];
  return events
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_patch')
    .map((m) => {
      const payload = m!.details?.['patch-data']?.payloads?.[0];
      return payload ? String((JSON.parse(Buffer.from(payload.data ?? '', 'base64').toString()) as { id?: string }).id) : '?';
    });
}
