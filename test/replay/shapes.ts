import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the committed histories live; `npm run fixtures:record` rewrites them. */
export const historiesDir = path.join(__dirname, 'histories');

/** Every shape a rotation's history can take, by how it ended; one committed history each. */
export const SHAPES = ['completed', 'completed-versioned', 'restored', 'expedited', 'cancelled-in-window', 'compensated', 'failed'] as const;
export type Shape = (typeof SHAPES)[number];

export interface RecordedHistory {
  shape: Shape;
  file: string;
  /** the history exactly as `historyToJSON` wrote it */
  history: unknown;
  text: string;
}

export function committedHistories(): RecordedHistory[] {
  const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json')).sort();
  return files.map((f) => {
    const text = readFileSync(path.join(historiesDir, f), 'utf8');
    return { shape: f.replace(/\.json$/, '') as Shape, file: f, history: JSON.parse(text) as unknown, text };
  });
}
