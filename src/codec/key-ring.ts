import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** AES-256 keys by id; new payloads use `primary`, older ones decode with whichever id they name. */
export interface KeyRing {
  primary: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** Where a ring comes from: the rotator has two (the codec's and the seal's) and each error names its own variables. */
export interface KeyRingVariables {
  /** `id:base64[,id:base64…]`, newest first */
  keys: string;
  /** JSON `{primary, keys: {id: base64}}` */
  file: string;
  /** what the key is called in messages, e.g. "codec key" */
  what: string;
}

export const CODEC_KEY_VARIABLES: KeyRingVariables = { keys: 'ROTATOR_CODEC_KEYS', file: 'ROTATOR_CODEC_KEY_FILE', what: 'codec key' };

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

const KeyFile = z.object({
  primary: z.string().regex(KEY_ID),
  keys: z.record(z.string().regex(KEY_ID), z.string()),
});

/** A fixed key for the demo and the tests only: it is public, so it protects nothing. */
export const DEMO_CODEC_KEYS = 'demo-2026:ZGVtby1vbmx5LWtleS1ub3QtYS1zZWNyZXQtMDEyMzQ=';

const howTo = (v: KeyRingVariables) =>
  `generate one with \`openssl rand -base64 32\` and set ${v.keys}='<keyId>:<base64>' (newest first, comma-separated) or ${v.file}`;

function decodeKey(id: string, base64: string, v: KeyRingVariables): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error(`${v.what} '${id}' must be 32 bytes of base64 (AES-256), got ${key.length} bytes; ${howTo(v)}`);
  return key;
}

/** `id:base64[,id:base64…]`, the first being the primary. */
export function parseKeyRing(spec: string, v: KeyRingVariables = CODEC_KEY_VARIABLES): KeyRing {
  const keys = new Map<string, Buffer>();
  const entries = spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    if (at < 1 || !KEY_ID.test(id)) throw new Error(`${v.keys} entry must be '<keyId>:<base64 key>' with a key id of letters, digits and ._-; ${howTo(v)}`);
    if (keys.has(id)) throw new Error(`${v.what} id '${id}' appears twice in ${v.keys}`);
    keys.set(id, decodeKey(id, entry.slice(at + 1), v));
  }
  if (keys.size === 0) throw new Error(`${v.keys} is empty; ${howTo(v)}`);
  return { primary: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys };
}

/**
 * The key ring from `v.keys` or `v.file`, or undefined when neither is set (the caller decides whether that is an
 * error, and says why).
 */
export function keyRingFromVariables(v: KeyRingVariables, env: NodeJS.ProcessEnv): KeyRing | undefined {
  if (env[v.keys]) return parseKeyRing(env[v.keys]!, v);
  const file = env[v.file];
  if (!file) return undefined;
  let parsed;
  try {
    parsed = KeyFile.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new Error(`${v.file} ${file}: ${(err as Error).message}; expected JSON {"primary": "<keyId>", "keys": {"<keyId>": "<base64>"}}`);
  }
  const keys = new Map(Object.entries(parsed.keys).map(([id, b64]) => [id, decodeKey(id, b64, v)]));
  if (!keys.has(parsed.primary)) throw new Error(`${v.file}: primary key '${parsed.primary}' is not in keys`);
  return { primary: parsed.primary, keys };
}

/**
 * The codec key ring from ROTATOR_CODEC_KEYS or ROTATOR_CODEC_KEY_FILE (JSON `{primary, keys: {id: base64}}`).
 * With neither set it refuses: payloads would otherwise reach workflow history in plaintext.
 */
export function keyRingFromEnv(env: NodeJS.ProcessEnv = process.env): KeyRing {
  const ring = keyRingFromVariables(CODEC_KEY_VARIABLES, env);
  if (ring) return ring;
  throw new Error(`no payload encryption key: rotations carry new secrets through workflow history, which must be encrypted; ${howTo(CODEC_KEY_VARIABLES)}`);
}
