import net from 'node:net';

/** A free TCP port on the loopback interface (bound then released). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no port assigned'));
      server.close(() => resolve(address.port));
    });
  });
}

/** Retries `attempt` with a short pause; used for server startup, which is slow and occasionally flaky on a loaded CI box. */
export async function withStartupRetries<T>(what: string, attempt: () => Promise<T>, tries = 3): Promise<T> {
  let lastError: unknown;
  for (let i = 1; i <= tries; i++) {
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
      process.stderr.write(`[test harness] starting ${what} failed (attempt ${i}/${tries}): ${String(err)}\n`);
      await new Promise((r) => setTimeout(r, 500 * i));
    }
  }
  throw new Error(`could not start ${what} after ${tries} attempts: ${String(lastError)}`);
}
