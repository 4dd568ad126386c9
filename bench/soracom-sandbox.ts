/**
 * The SORACOM sandbox in its own process for the benchmarks (its CPU is then measurable apart from the driver's),
 * with optional rate limits and a stats endpoint counting the answers by route and status.
 *   tsx bench/soracom-sandbox.ts --auth-key-id ID --auth-key KEY --operator-id OP [--rate-limits '{"default":60}']
 * Prints one JSON line `{"endpoint", "statsUrl"}` and serves until killed.
 */
import { required, serveFromCommandLine } from '../sandbox/command-line';
import { startJsonServer } from '../sandbox/http-server';
import { startSoracomSandbox, type RateLimits } from '../sandbox/soracom/server';

const flags = {
  'operator-id': { type: 'string', default: 'OP0000BENCH1' },
  'user-name': { type: 'string', default: 'rotator' },
  'auth-key-id': { type: 'string' },
  'auth-key': { type: 'string' },
  'rate-limits': { type: 'string' },
} as const;

serveFromCommandLine('bench soracom sandbox', flags, async (values, listen) => {
  const { 'auth-key-id': authKeyId, 'auth-key': authKey } = required(values, 'auth-key-id', 'auth-key');
  const rateLimits = values['rate-limits'] === undefined ? undefined : (JSON.parse(values['rate-limits']) as RateLimits);
  const sandbox = await startSoracomSandbox({
    ...listen,
    operators: [{ operatorId: values['operator-id'], users: [{ userName: values['user-name'], authKeys: [{ authKeyId, authKey }] }] }],
    ...(rateLimits ? { rateLimits } : {}),
  });
  const stats = await startJsonServer({
    answer: () => {
      const counts: Record<string, number> = {};
      for (const e of sandbox.exchanges()) {
        const route = `${e.method} ${e.path.replace(/^\/credentials\/.+$/, '/credentials/{id}')} ${e.status}`;
        counts[route] = (counts[route] ?? 0) + 1;
      }
      return { status: 200, body: counts };
    },
  });
  return {
    announce: { endpoint: sandbox.endpoint, statsUrl: `${stats.origin}/` },
    stop: async () => void (await Promise.all([sandbox.stop(), stats.stop()])),
  };
});
