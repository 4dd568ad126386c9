import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** AES-256 keys by id; new payloads use `primary`, older ones decode with whichever id they name. */
export interface KeyRing {
  primary: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

const KeyFile = z.object({
  primary: z.string().regex(KEY_ID),
  keys: z.record(z.string().regex(KEY_ID), z.string()),
});

/** A fixed key for the demo and the tests only: it is public, so it protects nothing. */
export const DEMO_CODEC_KEYS = 'demo-2026:ZGVtby1vbmx5LWtleS1ub3QtYS1zZWNyZXQtMDEyMzQ=';

const HOW_TO = "generate one with `openssl rand -base64 32` and set ROTATOR_CODEC_KEYS='<keyId>:<base64>' (newest first, comma-separated) or ROTATOR_CODEC_KEY_FILE";

function decodeKey(id: string, base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32) throw new Error(`codec key '${id}' must be 32 bytes of base64 (AES-256), got ${key.length} bytes; ${HOW_TO}`);
  return key;
}

/** `id:base64[,id:base64…]`, the first being the primary. */
export function parseKeyRing(spec: string): KeyRing {
  const keys = new Map<string, Buffer>();
  const entries = spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    if (at < 1 || !KEY_ID.test(id)) throw new Error(`ROTATOR_CODEC_KEYS entry must be '<keyId>:<base64 key>' with a key id of letters, digits and ._-; ${HOW_TO}`);
    if (keys.has(id)) throw new Error(`codec key id '${id}' appears twice in ROTATOR_CODEC_KEYS`);
    keys.set(id, decodeKey(id, entry.slice(at + 1)));
  }
  if (keys.size === 0) throw new Error(`ROTATOR_CODEC_KEYS is empty; ${HOW_TO}`);
  return { primary: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys };
}

/**
 * The key ring from ROTATOR_CODEC_KEYS or ROTATOR_CODEC_KEY_FILE (JSON `{primary, keys: {id: base64}}`).
 * With neither set it refuses: secrets would otherwise reach workflow history in plaintext.
 */
export function keyRingFromEnv(env: NodeJS.ProcessEnv = process.env): KeyRing {
  if (env.ROTATOR_CODEC_KEYS) return parseKeyRing(env.ROTATOR_CODEC_KEYS);
  if (env.ROTATOR_CODEC_KEY_FILE) {
    let parsed;
    try {
      parsed = KeyFile.parse(JSON.parse(readFileSync(env.ROTATOR_CODEC_KEY_FILE, 'utf8')));
    } catch (err) {
      throw new Error(`ROTATOR_CODEC_KEY_FILE ${env.ROTATOR_CODEC_KEY_FILE}: ${(err as Error).message}; expected JSON {"primary": "<keyId>", "keys": {"<keyId>": "<base64>"}}`);
    }
    const keys = new Map(Object.entries(parsed.keys).map(([id, b64]) => [id, decodeKey(id, b64)]));
    if (!keys.has(parsed.primary)) throw new Error(`ROTATOR_CODEC_KEY_FILE: primary key '${parsed.primary}' is not in keys`);
    return { primary: parsed.primary, keys };
  }
  throw new Error(`no payload encryption key: rotations carry new secrets through workflow history, which must be encrypted; ${HOW_TO}`);
}
