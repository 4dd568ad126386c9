import { CLOCK_TOLERANCE_MS, planOrphanSweep, statesOf, subjectGone, sweepOrphans, type OrphanSweep } from '../../src/activities/source-kit';

/** A listed credential as any source sees it: an id and the provider's creation time. */
interface Listed {
  id: string;
  createdAt: number;
}

const notBefore = '2026-05-13T12:00:00.000Z';
const began = Date.parse(notBefore);
const facts = { id: (c: Listed) => c.id, createdAtMs: (c: Listed) => c.createdAt };
const plan = (listing: Listed[], knownIds: string[] = ['old']) => planOrphanSweep(listing, { knownIds, notBefore }, facts).map((s) => `${s.verdict} ${s.credential.id}`);

const old: Listed = { id: 'old', createdAt: began - 90 * 86_400_000 };
const orphan: Listed = { id: 'orphan', createdAt: began + 3_000 };
const foreign: Listed = { id: 'foreign', createdAt: began - CLOCK_TOLERANCE_MS - 3_600_000 };

describe('the orphan sweep decision', () => {
  it('keeps the credentials known at preflight, however old', () => {
    expect(plan([old])).toEqual([]);
    expect(plan([old, { id: 'old-2', createdAt: 0 }], ['old', 'old-2'])).toEqual([]);
  });

  it('deletes an unknown credential created after notBefore: the orphan of a lost answer', () => {
    expect(plan([old, orphan])).toEqual(['orphan orphan']);
  });

  it('refuses an unknown credential older than notBefore minus the tolerance: someone else made it', () => {
    expect(plan([old, foreign])).toEqual(['foreign foreign']);
  });

  it('the tolerance is one minute, inclusive: at notBefore − 60 s an orphan, 1 ms earlier foreign', () => {
    expect(CLOCK_TOLERANCE_MS).toBe(60_000);
    expect(plan([{ id: 'edge', createdAt: began - 60_000 }])).toEqual(['orphan edge']);
    expect(plan([{ id: 'edge', createdAt: began - 60_001 }])).toEqual(['foreign edge']);
    // a provider clock a little behind the workflow's still counts as "since this rotation began"
    expect(plan([{ id: 'skewed', createdAt: began - 59_000 }])).toEqual(['orphan skewed']);
  });

  it('an unreadable creation time is never taken for an orphan', () => {
    expect(plan([{ id: 'odd', createdAt: Number.NaN }])).toEqual(['foreign odd']);
  });

  it('goes in listing order and stops at the first foreign credential', () => {
    expect(plan([orphan, foreign, { id: 'orphan-2', createdAt: began + 1 }])).toEqual(['orphan orphan', 'foreign foreign']);
    expect(plan([foreign, orphan])).toEqual(['foreign foreign']);
  });
});

describe('sweepOrphans', () => {
  const sweep = (deleted: string[]): OrphanSweep<Listed> => ({
    ...facts,
    deleteOrphan: async (c) => {
      deleted.push(c.id);
    },
    refuse: (c) => Object.assign(new Error(`credential ${c.id} was not there when this rotation began`), { name: 'ExampleUnexpectedKey' }),
  });

  it('deletes each orphan and nothing else', async () => {
    const deleted: string[] = [];
    await sweepOrphans([old, orphan, { id: 'orphan-2', createdAt: began + 1 }], { knownIds: ['old'], notBefore }, sweep(deleted));
    expect(deleted).toEqual(['orphan', 'orphan-2']);
  });

  it('throws the source’s refusal for a foreign credential and does not delete it', async () => {
    const deleted: string[] = [];
    await expect(sweepOrphans([old, foreign], { knownIds: ['old'], notBefore }, sweep(deleted))).rejects.toMatchObject({ name: 'ExampleUnexpectedKey' });
    expect(deleted).toEqual([]);
  });

  it('as each source always did: orphans listed before the foreign one are deleted, those after are left', async () => {
    const deleted: string[] = [];
    const later: Listed = { id: 'orphan-2', createdAt: began + 1 };
    await expect(sweepOrphans([orphan, foreign, later], { knownIds: [], notBefore }, sweep(deleted))).rejects.toThrow(/foreign/);
    expect(deleted).toEqual(['orphan']);
  });
});

describe('what a source reports of the credentials a rotation asks about', () => {
  const listing = [
    { id: 'old', status: 'Inactive' as const, createdAt: notBefore },
    { id: 'new', status: 'Active' as const, createdAt: notBefore },
    { id: 'other', status: 'Active' as const, createdAt: notBefore },
  ];

  it('each asked-for id with its status in the listing, gone when absent from it, and no other id', () => {
    expect(statesOf(['old', 'new', 'deleted'], listing)).toEqual({ old: 'Inactive', new: 'Active', deleted: 'gone' });
    expect(statesOf([], listing)).toEqual({});
  });

  it('an owner that is gone took every credential with it', () => {
    expect(subjectGone(['old', 'new'])).toEqual({ subjectExists: false, states: { old: 'gone', new: 'gone' } });
  });
});
