/**
 * What the rotation checks at the providers before it deletes or restores anything (src/workflows/world-check.ts):
 * each way the world can have changed by hand during the window, alone, gives one reason naming what changed.
 */
import { deletionBlockers, restoreBlocker, type WorldSurvey } from '../../src/workflows/world-check';

const ids = { oldId: 'AKIAOLD0000000000001', newId: 'AKIANEW0000000000001', oldStaysActive: false };
const consumer = (over: Partial<WorldSurvey['consumers'][number]> = {}): WorldSurvey['consumers'][number] => ({
  consumer: 'soracom:set-a',
  where: 'set-a',
  exists: true,
  holds: ids.newId,
  home: 'set-a',
  homeReaders: [],
  ...over,
});
/** The world as the rotation left it: old retired, new Active and held by every consumer. */
const world = (over: Partial<WorldSurvey> = {}): WorldSurvey => ({ subjectExists: true, old: 'Inactive', new: 'Active', consumers: [consumer()], ...over });

describe('deletionBlockers: the old credential is deleted only in the world the rotation left', () => {
  it('none when every consumer holds the new, Active credential and the old one is retired or gone', () => {
    expect(deletionBlockers(world(), ids)).toEqual([]);
    expect(deletionBlockers(world({ old: 'gone' }), ids)).toEqual([]);
    expect(deletionBlockers(world({ consumers: [consumer(), consumer({ consumer: 'csms:app', where: 'app' })] }), ids)).toEqual([]);
    expect(deletionBlockers(world({ consumers: [consumer({ homeReaders: undefined, home: undefined })] }), ids)).toEqual([]);
  });

  it('the owner is gone: one reason, naming both credentials', () => {
    expect(deletionBlockers(world({ subjectExists: false, old: 'gone', new: 'gone', consumers: [consumer({ exists: false })] }), ids)).toEqual([
      `the credentials' owner no longer exists (deleted outside the rotator), and ${ids.oldId} and ${ids.newId} with it`,
    ]);
  });

  it('the new credential is no longer Active', () => {
    expect(deletionBlockers(world({ new: 'Inactive' }), ids)).toEqual([
      `the new credential ${ids.newId} is Inactive (changed outside the rotator), so the consumers hold one that does not work`,
    ]);
    expect(deletionBlockers(world({ new: 'gone' }), ids)).toEqual([
      `the new credential ${ids.newId} is gone (changed outside the rotator), so the consumers hold one that does not work`,
    ]);
  });

  it('a consumer was deleted, or holds something else', () => {
    expect(deletionBlockers(world({ consumers: [consumer({ exists: false, holds: null })] }), ids)).toEqual([
      'soracom:set-a no longer exists (set-a was deleted outside the rotator)',
    ]);
    expect(deletionBlockers(world({ consumers: [consumer({ holds: ids.oldId })] }), ids)).toEqual([
      `soracom:set-a now holds ${ids.oldId}, not the new credential ${ids.newId} (changed outside the rotator)`,
    ]);
    expect(deletionBlockers(world({ consumers: [consumer({ holds: null })] }), ids)).toEqual([
      `soracom:set-a now holds no credential the rotator recognises, not the new credential ${ids.newId} (changed outside the rotator)`,
    ]);
  });

  it('something still reaches a consumer’s old home', () => {
    const moved = consumer({ where: 'set-a-20260101', home: 'set-a', homeReaders: ['group funnel-a (SORACOM Funnel)', 'group beam-b'] });
    expect(deletionBlockers(world({ consumers: [moved] }), ids)).toEqual([
      `soracom:set-a's old home set-a, which holds ${ids.oldId}, is still reached by group funnel-a (SORACOM Funnel); group beam-b`,
    ]);
  });

  it('the old credential was re-enabled, unless it stays Active by design', () => {
    expect(deletionBlockers(world({ old: 'Active' }), ids)).toEqual([
      `the old credential ${ids.oldId} is Active again (re-enabled outside the rotator): something may depend on it`,
    ]);
    expect(deletionBlockers(world({ old: 'Active' }), { ...ids, oldStaysActive: true })).toEqual([]);
  });

  it('every reason at once, in order: new credential, each consumer, old credential', () => {
    const blockers = deletionBlockers(
      world({ new: 'Inactive', old: 'Active', consumers: [consumer({ exists: false }), consumer({ consumer: 'csms:app', holds: ids.oldId, homeReaders: ['x'] })] }),
      ids,
    );
    expect(blockers.map((b) => b.split(' ').slice(0, 2).join(' '))).toEqual(['the new', 'soracom:set-a no', 'csms:app now', "csms:app's old", 'the old']);
  });
});

describe('restoreBlocker: the old credential comes back only if it is still there', () => {
  it('none while the owner and the old credential exist, retired or not', () => {
    expect(restoreBlocker(world(), ids.oldId)).toBeUndefined();
    expect(restoreBlocker(world({ old: 'Active', new: 'gone', consumers: [] }), ids.oldId)).toBeUndefined();
  });

  it('the owner is gone, or the old credential is', () => {
    expect(restoreBlocker(world({ subjectExists: false, old: 'gone' }), ids.oldId)).toBe(
      `the credentials' owner no longer exists (deleted outside the rotator), and ${ids.oldId} with it: there is nothing to restore`,
    );
    expect(restoreBlocker(world({ old: 'gone' }), ids.oldId)).toBe(`the old credential ${ids.oldId} no longer exists (deleted outside the rotator): there is nothing to restore`);
  });
});
