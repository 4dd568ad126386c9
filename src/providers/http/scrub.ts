/**
 * Removes every known secret from text that may reach a log or workflow history (messages are stored in history).
 * Strings shorter than 4 characters are left alone: replacing them would garble the message and hide nothing.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.filter((s) => s.length >= 4).reduce((out, secret) => out.split(secret).join('***'), text);
}
