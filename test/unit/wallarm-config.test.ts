/**
 * Wallarm configuration as Wallarm's own tools take it: WALLARM_API_HOST a URL (terraform-provider-wallarm,
 * `https://us1.api.wallarm.com`) or a bare host (Wallarm's node images, `-e WALLARM_API_HOST=us1.api.wallarm.com`); the
 * cloud named by that host when WALLARM_CLOUD is unset (the node docs set only the host); Wallarm's names for its clouds.
 */
import { wallarmConfigFromEnv } from '../../src/providers/wallarm/config';

const token = { WALLARM_API_TOKEN: 'rotator-token-value-0001' };

describe('Wallarm configuration: Wallarm conventions', () => {
  it.each([
    ['us1.api.wallarm.com', 'us1', 'https://us1.api.wallarm.com'],
    ['api.wallarm.com', 'eu', 'https://api.wallarm.com'],
    ['me1.api.wallarm.com', 'me1', 'https://me1.api.wallarm.com'],
    ['https://us1.api.wallarm.com/', 'us1', 'https://us1.api.wallarm.com'],
    ['US1.API.WALLARM.COM', 'us1', 'https://us1.api.wallarm.com'],
  ])('WALLARM_API_HOST=%s alone is the %s cloud at %s', (host, cloud, endpoint) => {
    expect(wallarmConfigFromEnv({ ...token, WALLARM_API_HOST: host })).toEqual({ cloud, endpoint, token: token.WALLARM_API_TOKEN });
  });

  it('takes a proxy or emulator host with or without a scheme; its cloud is WALLARM_CLOUD, else eu', () => {
    expect(wallarmConfigFromEnv({ ...token, WALLARM_API_HOST: 'wallarm-proxy.internal:8443' })).toMatchObject({ cloud: 'eu', endpoint: 'https://wallarm-proxy.internal:8443' });
    expect(wallarmConfigFromEnv({ ...token, WALLARM_API_HOST: 'http://127.0.0.1:5059/', WALLARM_CLOUD: 'us1' })).toMatchObject({ cloud: 'us1', endpoint: 'http://127.0.0.1:5059' });
    expect(wallarmConfigFromEnv({ ...token, WALLARM_API_HOST: 'https://gw.example/wallarm/' })).toMatchObject({ endpoint: 'https://gw.example/wallarm' });
  });

  it.each([
    ['us', 'us1'],
    ['US', 'us1'],
    ['eu1', 'eu'],
    ['me', 'me1'],
  ])("takes Wallarm's cloud name %s as %s", (name, cloud) => {
    expect(wallarmConfigFromEnv({ ...token, WALLARM_CLOUD: name })).toMatchObject({ cloud });
  });

  it("refuses a WALLARM_CLOUD that another cloud's host contradicts, and a host that is no host, naming the variables", () => {
    expect(() => wallarmConfigFromEnv({ ...token, WALLARM_CLOUD: 'eu', WALLARM_API_HOST: 'us1.api.wallarm.com' })).toThrow(
      "Wallarm configuration: WALLARM_CLOUD is eu but WALLARM_API_HOST is the us1 cloud's API (us1.api.wallarm.com); set one, or both alike",
    );
    expect(() => wallarmConfigFromEnv({ ...token, WALLARM_API_HOST: 'ftp://api.wallarm.com' })).toThrow(/WALLARM_API_HOST must be a URL such as https:\/\/us1.api.wallarm.com or a host such as us1.api.wallarm.com/);
    expect(() => wallarmConfigFromEnv({ ...token, WALLARM_API_HOST: 'ftp://api.wallarm.com' })).not.toThrow(/rotator-token-value/);
    expect(() => wallarmConfigFromEnv({ ...token, WALLARM_CLOUD: 'toString' })).toThrow(/WALLARM_CLOUD must be 'us1', 'eu' or 'me1'/);
  });
});
