import { workflowCache } from '../../src/worker';

describe('ROTATOR_MAX_CACHED_WORKFLOWS', () => {
  it('keeps the SDK default when unset or empty', () => {
    expect(workflowCache({})).toEqual({});
    expect(workflowCache({ ROTATOR_MAX_CACHED_WORKFLOWS: '' })).toEqual({});
  });

  it('caps the workflow cache', () => {
    expect(workflowCache({ ROTATOR_MAX_CACHED_WORKFLOWS: '250' })).toEqual({ maxCachedWorkflows: 250 });
  });

  it.each(['0', '1', '2.5', '-3', 'many'])('refuses %s with the variable named', (raw) => {
    expect(() => workflowCache({ ROTATOR_MAX_CACHED_WORKFLOWS: raw })).toThrow(`ROTATOR_MAX_CACHED_WORKFLOWS='${raw}' must be a whole number, 2 or more`);
  });
});
