import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Where the committed histories live; `npm run fixtures:record` rewrites them. */
export const historiesDir = path.join(__dirname, 'histories');

/**
 * Every shape a rotation's history can take, by how it ended; one committed history each. The first seven were written
 * by the workflow before it checked the world in its window (and before retire/reinstate): they stand for rotations
 * still open from that release. The last two were written since, with those patches recorded.
 */
export const SHAPES = [
  'completed',
  'completed-versioned',
  'restored',
  'expedited',
  'cancelled-in-window',
  'compensated',
  'failed',
  'restore-refused-then-expedited',
  'needs-attention-restored',
] as const;
export type Shape = (typeof SHAPES)[number];

/** The shapes whose history reaches `deleting` (where patching.test.ts's edit inserts its step). */
export const REACHES_DELETING = ['completed', 'completed-versioned', 'expedited', 'restore-refused-then-expedited'];

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
