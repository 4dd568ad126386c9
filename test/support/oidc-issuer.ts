/**
 * A real OIDC issuer on loopback for the codec server's JWT tests: it serves a discovery document and a JWKS whose
 * keys the test can add (a key rotation), and signs tokens with them. It counts the requests it answers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

export interface TestIssuer {
  /** http://127.0.0.1:<port>, the `iss` of its tokens */
  issuer: string;
  /** where the discovery document points (not the conventional path, so only discovery finds it) */
  jwksUrl: string;
  requests: { discovery: number; jwks: number };
  /** replaces fields of the discovery document (a wrong issuer, a foreign jwks_uri) */
  discoveryOverride: Record<string, string>;
  /** makes a key pair; `publish: false` keeps it out of the JWKS (a key the issuer does not vouch for) */
  createKey(kid: string, alg: 'RS256' | 'ES256', publish?: boolean): Promise<SigningKey>;
  publish(key: SigningKey): Promise<void>;
  /** a token with good defaults (iss, aud, sub, iat, exp in 5 minutes), each claim overridable or removable */
  sign(key: SigningKey, claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestIssuer(audience: string): Promise<TestIssuer> {
  const published: JWK[] = [];
  const server = http.createServer((req, res) => {
    const send = (body: unknown) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/.well-known/openid-configuration') {
      issuer.requests.discovery += 1;
      return send({ issuer: issuer.issuer, jwks_uri: issuer.jwksUrl, ...issuer.discoveryOverride });
    }
    if (req.url === '/protocol/keys') {
      issuer.requests.jwks += 1;
      return send({ keys: published });
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const issuer: TestIssuer = {
    issuer: base,
    jwksUrl: `${base}/protocol/keys`,
    requests: { discovery: 0, jwks: 0 },
    discoveryOverride: {},
    async createKey(kid, alg, publish = true) {
      const key = { kid, alg, ...(await generateKeyPair(alg)) };
      if (publish) await issuer.publish(key);
      return key;
    },
    async publish(key) {
      // no `alg` member: which algorithms are accepted is the codec server's decision alone
      published.push({ ...(await exportJWK(key.publicKey)), kid: key.kid, use: 'sig' });
    },
    sign(key, claims = {}, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = Object.fromEntries(
        Object.entries({ iss: base, aud: audience, sub: 'operator@example.com', iat: now, exp: now + 300, ...claims }).filter(([, v]) => v !== undefined),
      ) as JWTPayload;
      return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return issuer;
}
