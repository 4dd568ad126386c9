import { WallarmClient } from '../../src/providers/wallarm/client';
import { startWallarmSandbox, type ClientSeed, type WallarmSandbox, type WallarmSandboxOptions } from '../../sandbox/wallarm/server';
import { ManualClock } from './soracom-sandbox';

export { ManualClock };

export const CLIENT_ID = 7;
/** The rotator's user (an Administrator) and the token it calls with. */
export const rotator = { userId: 42, tokenId: 1, secret: 'rotator-token-0123456789abcdef0123456789abcdef' } as const;
/** An Analyst of the same company, with a personal token of her own. */
export const analyst = { userId: 43, tokenId: 2, secret: 'analyst-token-0123456789abcdef0123456789abcdef' } as const;
/** Tokens of the rotator's user that software uses: a personal one and a shared one. */
export const deployBot = { tokenId: 10, realname: 'deploy-bot', secret: 'deploy-bot-token-0123456789abcdef0123456789' } as const;
export const sharedReader = { tokenId: 11, realname: 'shared-reader', secret: 'shared-reader-token-0123456789abcdef01234567' } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * One company: the rotator (admin) with its own, a personal and a shared token; an analyst with a personal token.
 * `idOffset` shifts every token id, so tests sharing one Temporal server get distinct rotation ids.
 */
export function companySeed(now: number, idOffset = 0): ClientSeed[] {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    {
      clientId: CLIENT_ID,
      users: [
        {
          id: rotator.userId,
          email: 'rotator@example.com',
          role: 'admin',
          tokens: [
            { id: rotator.tokenId + idOffset, realname: 'credential-rotator', permissions: ['admin'], secret: rotator.secret },
            { id: deployBot.tokenId + idOffset, realname: deployBot.realname, permissions: ['deploy'], secret: deployBot.secret, createdAt: iso(now - 85 * DAY_MS), expireAt: iso(now + 5 * DAY_MS) },
            { id: sharedReader.tokenId + idOffset, realname: sharedReader.realname, permissions: ['auditor'], secret: sharedReader.secret, shared: true, createdAt: iso(now - 10 * DAY_MS), expireAt: iso(now + 80 * DAY_MS) },
          ],
        },
        { id: analyst.userId, email: 'analyst@example.com', role: 'analytic', tokens: [{ id: analyst.tokenId + idOffset, realname: 'analyst-personal', permissions: ['analytic'], secret: analyst.secret }] },
      ],
    },
  ];
}

export interface TestWallarm {
  readonly sandbox: WallarmSandbox;
  readonly clock: ManualClock;
  /** A client calling as the rotator (or with `token`). */
  client(token?: string): WallarmClient;
}

/** Starts a Wallarm sandbox per test on a hand-moved clock and stops it after the test. */
export function useWallarmSandbox(): (options?: Partial<WallarmSandboxOptions>) => Promise<TestWallarm> {
  const running: WallarmSandbox[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  });
  return async (options = {}) => {
    const clock = new ManualClock();
    const sandbox = await startWallarmSandbox({ clients: companySeed(clock.ms), now: clock.now, ...options });
    running.push(sandbox);
    return { sandbox, clock, client: (token = rotator.secret) => new WallarmClient({ cloud: 'us1', endpoint: sandbox.endpoint, token }) };
  };
}

/** A raw call, to check wire shapes exactly as Wallarm documents them. */
export async function raw(endpoint: string, method: string, path: string, token: string | undefined, body?: unknown, headerName = 'X-WallarmApi-Token') {
  const response = await fetch(`${endpoint}${path}`, {
    method,
    headers: { ...(token === undefined ? {} : { [headerName]: token }), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as unknown };
}
