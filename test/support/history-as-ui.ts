/**
 * A rotation's history as someone with the Temporal UI sees it: every payload sent to the codec server's `/decode`
 * exactly as the UI sends them (`{payloads: [{metadata: {k: base64}, data: base64}]}`), the answers read back as JSON.
 */
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';
import { EncryptionCodec } from '../../src/codec/encryption-codec';
import { DEMO_CODEC_KEYS, parseKeyRing } from '../../src/codec/key-ring';
import { leakedForms, payloadsIn } from '../replay/history-payloads';

const TOKEN = 'history-as-ui-codec-token';

/** Our codec server with the tests' codec key, as the UI's operators run it (it never holds the seal key). */
export async function startTestCodecServer(): Promise<CodecServer & { token: string }> {
  const server = await startCodecServer({ codec: new EncryptionCodec(parseKeyRing(DEMO_CODEC_KEYS)), token: TOKEN, uiOrigin: 'http://127.0.0.1:8233', port: 0 });
  return { ...server, token: TOKEN };
}

export interface HistoryAsUi {
  /** the history file as Temporal's JSON (`temporal workflow show --output json`): what the server stores */
  stored: string;
  /** every payload's value as the codec server decodes it */
  decoded: unknown[];
  /** `decoded`, as one text */
  decodedText: string;
}

export async function historyAsUi(client: Client, workflowId: string, codec: CodecServer): Promise<HistoryAsUi> {
  const stored = historyToJSON(await client.workflow.getHandle(workflowId).fetchHistory());
  const payloads = payloadsIn(JSON.parse(stored)).map((p) => ({ metadata: p.json.metadata, data: p.json.data ?? '' }));
  const response = await fetch(`${codec.uiEndpoint}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default' }, body: JSON.stringify({ payloads }) });
  if (response.status !== 200) throw new Error(`codec server answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
  const decoded = body.payloads.map((p) => {
    const text = Buffer.from(p.data, 'base64').toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text; // binary/null and other encodings: kept as text, still searched
    }
  });
  return { stored, decoded, decodedText: JSON.stringify(decoded) };
}

/** Every `sealed:<keyId>:<ciphertext>` value in a decoded history. */
export function sealedValuesIn(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('sealed:') ? [value] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value as Record<string, unknown>).flatMap(sealedValuesIn);
}

/** The secrets (of those given) that a history shows, in clear or base64, stored or decoded: each as its first 4 characters. */
export function secretsShown(history: HistoryAsUi, secrets: string[]): string[] {
  return secrets
    .filter((secret) => leakedForms(secret).some((form) => history.stored.includes(form) || history.decodedText.includes(form)))
    .map((secret) => `${secret.slice(0, 4)}…`);
}
