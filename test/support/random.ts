import { randomInt } from 'node:crypto';

/** A small seeded PRNG (mulberry32): the same seed draws the same numbers, so a run can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of a test's random choices: ROTATOR_TEST_SEED when set (to replay a run), else a fresh one. Either way it
 * is printed with the way to replay it, so a failing run can be run again exactly.
 */
export function testSeed(what: string): number {
  const given = process.env.ROTATOR_TEST_SEED;
  if (given !== undefined && given !== '' && !/^\d+$/.test(given)) throw new Error(`ROTATOR_TEST_SEED='${given}' must be a whole number`);
  const seed = given ? Number(given) % 2 ** 32 : randomInt(2 ** 32);
  process.stdout.write(`[${what}] random seed ${seed}${given ? ' (from ROTATOR_TEST_SEED)' : ''}; replay this run with ROTATOR_TEST_SEED=${seed}\n`);
  return seed;
}
