/**
 * Verifies the bearer JWT the Temporal UI forwards to the codec server when `codec.passAccessToken` is on: issuer,
 * audience, expiry and signature against the issuer's JWKS, with jose. Refusal reasons are jose's error codes and
 * claim names, never the token or its claims, so they can be logged.
 */
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { isSecureEndpoint, type OidcSettings } from './oidc-settings';

/** Clocks of the identity provider and this host may differ a little; more would extend every token's life. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** jose's default: an unknown key id refetches the JWKS at most this often, so random kids cannot flood the issuer. */
const JWKS_COOLDOWN_MS = 30_000;
const FETCH_TIMEOUT_MS = 5_000;

export type Verdict = { accepted: true } | { accepted: false; status: 401 | 503; reason: string };

export interface AccessTokenVerifier {
  readonly issuer: string;
  readonly jwksUrl: URL;
  verify(token: string): Promise<Verdict>;
}

export interface AccessTokenVerifierOptions {
  /** how soon a token naming an unknown key id may refetch the JWKS (tests shorten it) */
  jwksCooldownMs?: number;
}

const Discovery = z.object({ issuer: z.string(), jwks_uri: z.url() });

/** OIDC Discovery §4: `<issuer>/.well-known/openid-configuration` names the key set; it must name our issuer too (§4.3). */
export async function discoverJwksUrl(issuer: string): Promise<URL> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch((err: Error) => {
    throw new Error(`OIDC discovery: cannot fetch ${url}: ${err.message}`);
  });
  if (!response.ok) throw new Error(`OIDC discovery: ${url} answered HTTP ${response.status}`);
  const parsed = Discovery.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new Error(`OIDC discovery: ${url} is not an OpenID configuration (needs "issuer" and "jwks_uri")`);
  if (parsed.data.issuer !== issuer) throw new Error(`OIDC discovery: ${url} names issuer ${parsed.data.issuer}, not ${issuer}; set ROTATOR_CODEC_OIDC_ISSUER to exactly the issuer your tokens carry`);
  const jwksUrl = new URL(parsed.data.jwks_uri);
  if (!isSecureEndpoint(jwksUrl)) throw new Error(`OIDC discovery: jwks_uri ${jwksUrl.href} is not https`);
  return jwksUrl;
}

/** Which failures are the key source's (try later) rather than the token's (refused). */
function keySourceFailed(err: unknown): boolean {
  if (!(err instanceof errors.JOSEError)) return true; // fetch's own network errors
  // ERR_JOSE_GENERIC: jose's JWKS fetch got no 200 or no JSON
  return err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || err.code === 'ERR_JOSE_GENERIC';
}

/** A refusal that names the failed check without repeating anything the token said. */
function refusal(err: unknown): Verdict {
  if (keySourceFailed(err)) return { accepted: false, status: 503, reason: `issuer keys unavailable (${err instanceof errors.JOSEError ? err.code : 'network error'})` };
  const { code } = err as errors.JOSEError;
  const claim = err instanceof errors.JWTClaimValidationFailed || err instanceof errors.JWTExpired ? ` ${err.claim} ${err.reason}` : '';
  return { accepted: false, status: 401, reason: `${code}${claim}` };
}

/** Discovers the key set unless it is configured, then verifies tokens against it; keys are fetched when first needed. */
export async function createAccessTokenVerifier(settings: OidcSettings, options: AccessTokenVerifierOptions = {}): Promise<AccessTokenVerifier> {
  const jwksUrl = settings.jwksUrl ?? (await discoverJwksUrl(settings.issuer));
  const keys = createRemoteJWKSet(jwksUrl, { cooldownDuration: options.jwksCooldownMs ?? JWKS_COOLDOWN_MS, timeoutDuration: FETCH_TIMEOUT_MS });
  const checks = {
    issuer: settings.issuer,
    audience: [...settings.audience],
    algorithms: [...settings.algorithms],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    // a token without an expiry would be good forever once leaked
    requiredClaims: ['exp'],
  };
  return {
    issuer: settings.issuer,
    jwksUrl,
    verify: (token) => jwtVerify(token, keys, checks).then((): Verdict => ({ accepted: true }), refusal),
  };
}
