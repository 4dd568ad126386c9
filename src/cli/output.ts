/** How the CLI writes to stdout: text lines, or with --json one JSON object per line (README "CLI"). */

/** Whether a command was asked for JSON lines instead of text. */
export interface Output {
  json: boolean;
}

export const print = (line: string) => process.stdout.write(`${line}\n`);
export const printJson = (value: unknown) => print(JSON.stringify(value));
