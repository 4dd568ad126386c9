import { reapTrackedProcesses } from './processes';

/** Last line of defence: a server a test forgot to stop is killed here, and the run says so. */
export default async function globalTeardown(): Promise<void> {
  const leaked = reapTrackedProcesses();
  if (leaked.length > 0) {
    process.stderr.write(`[test teardown] killed ${leaked.length} leaked server process(es): pids ${leaked.join(', ')}\n`);
  }
}
