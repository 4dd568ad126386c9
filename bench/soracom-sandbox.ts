/**
 * The SORACOM sandbox in its own process for the benchmarks (its CPU is then measurable apart from the driver's),
 * with optional rate limits and a stats endpoint counting the answers by route and status.
 *   tsx bench/soracom-sandbox.ts --auth-key-id ID --auth-key KEY --operator-id OP [--rate-limits '{"default":60}']
 * Prints one JSON line `{"endpoint", "statsUrl"}` and serves until killed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { startSoracomSandbox, type RateLimits } from '../sandbox/soracom/server';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'operator-id': { type: 'string', default: 'OP0000BENCH1' },
      'user-name': { type: 'string', default: 'rotator' },
      'auth-key-id': { type: 'string' },
      'auth-key': { type: 'string' },
      'rate-limits': { type: 'string' },
    },
  });
  const authKeyId = values['auth-key-id'];
  const authKey = values['auth-key'];
  if (authKeyId === undefined || authKey === undefined) throw new Error('--auth-key-id and --auth-key are required');
  const rateLimits = values['rate-limits'] === undefined ? undefined : (JSON.parse(values['rate-limits']) as RateLimits);
  const sandbox = await startSoracomSandbox({
    port: 0,
    operators: [{ operatorId: values['operator-id'], users: [{ userName: values['user-name'], authKeys: [{ authKeyId, authKey }] }] }],
    ...(rateLimits ? { rateLimits } : {}),
  });
  const stats = http.createServer((_req, res) => {
    const counts: Record<string, number> = {};
    for (const e of sandbox.exchanges()) {
      const route = `${e.method} ${e.path.replace(/^\/credentials\/.+$/, '/credentials/{id}')} ${e.status}`;
      counts[route] = (counts[route] ?? 0) + 1;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(counts));
  });
  await new Promise<void>((resolve) => stats.listen(0, '127.0.0.1', resolve));
  const statsUrl = `http://127.0.0.1:${(stats.address() as AddressInfo).port}/`;
  process.stdout.write(`${JSON.stringify({ endpoint: sandbox.endpoint, statsUrl })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench soracom sandbox: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(2);
});
