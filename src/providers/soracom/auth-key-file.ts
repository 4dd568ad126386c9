import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** An AuthKey as the rotator keeps it in a file: `{"authKeyId": "keyId-…", "authKey": "secret-…"}` (other fields ignored). */
export const AuthKeyFileContent = z.object({
  authKeyId: z.string({ error: 'authKeyId is missing' }).trim().min(1, 'authKeyId is empty'),
  authKey: z.string({ error: 'authKey is missing' }).trim().min(1, 'authKey is empty'),
});
export type AuthKeyPair = z.infer<typeof AuthKeyFileContent>;

/** Reads the AuthKey file; the error names the file and what is wrong with it, never a value from it. */
export function readAuthKeyFile(path: string): AuthKeyPair {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`SORACOM_AUTH_KEY_FILE ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`SORACOM_AUTH_KEY_FILE ${path} is not JSON; it must hold {"authKeyId": "keyId-…", "authKey": "secret-…"}`);
  }
  const parsed = AuthKeyFileContent.safeParse(json);
  if (!parsed.success) {
    throw new Error(`SORACOM_AUTH_KEY_FILE ${path}: ${parsed.error.issues.map((i) => i.message).join('; ')}; it must hold {"authKeyId": "keyId-…", "authKey": "secret-…"}`);
  }
  return parsed.data;
}
