import { DEFAULT_MAX_CACHED_WORKFLOWS, workflowCache } from '../../src/worker';

describe('ROTATOR_MAX_CACHED_WORKFLOWS', () => {
  it('is bounded when unset or empty (not the SDK default, which grows with the heap limit)', () => {
    expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBe(250);
    expect(workflowCache({})).toEqual({ maxCachedWorkflows: 250 });
    expect(workflowCache({ ROTATOR_MAX_CACHED_WORKFLOWS: '' })).toEqual({ maxCachedWorkflows: 250 });
  });

  it('caps the workflow cache', () => {
    expect(workflowCache({ ROTATOR_MAX_CACHED_WORKFLOWS: '2000' })).toEqual({ maxCachedWorkflows: 2000 });
  });

  it.each(['0', '1', '2.5', '-3', 'many'])('refuses %s with the variable named', (raw) => {
    expect(() => workflowCache({ ROTATOR_MAX_CACHED_WORKFLOWS: raw })).toThrow(`ROTATOR_MAX_CACHED_WORKFLOWS='${raw}' must be a whole number, 2 or more`);
  });
});
