import { spawnSync } from 'node:child_process';
import { toolPath } from '../../sandbox/tools';
import { chromiumPath } from '../support/browser';

describe('tool resolution', () => {
  it.each(['temporal', 'temporal-test-server', 'moto_server', 'huaweicloud-python'] as const)('finds %s provided by the bootstrap script', (name) => {
    expect(toolPath(name)).toMatch(/\S/);
  });

  it('fails with a message naming the tool and the fix when a tool is missing', () => {
    const saved = process.env.ROTATOR_MOTO_SERVER;
    process.env.ROTATOR_MOTO_SERVER = '/nonexistent/moto_server';
    try {
      expect(() => toolPath('moto_server')).toThrow(/Required tool 'moto_server' not found .*npm run tools.*ROTATOR_MOTO_SERVER/);
    } finally {
      if (saved === undefined) delete process.env.ROTATOR_MOTO_SERVER;
      else process.env.ROTATOR_MOTO_SERVER = saved;
    }
  });

  it('finds the browser for the UI tests, and names the fix when it is missing', () => {
    expect(chromiumPath()).toMatch(/\S/);
    const saved = process.env.ROTATOR_CHROMIUM;
    process.env.ROTATOR_CHROMIUM = '/nonexistent/chromium';
    try {
      expect(() => chromiumPath()).toThrow(/Chromium not found at \/nonexistent\/chromium.*npm run tools.*ROTATOR_CHROMIUM/);
    } finally {
      if (saved === undefined) delete process.env.ROTATOR_CHROMIUM;
      else process.env.ROTATOR_CHROMIUM = saved;
    }
  });

  it('the bootstrap script is idempotent: a second run installs nothing', () => {
    const run = spawnSync('bash', ['scripts/bootstrap-tools.sh'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).not.toMatch(/installing|creating Python venv/);
    expect(run.stdout).toMatch(/ready: temporal version/);
  });
});
