import { z } from 'zod';

/**
 * Asymmetric JWS algorithms the codec server may accept (those jose verifies on Node 20). HMAC (HS*) is left out on
 * purpose: a JWKS holds public keys, and a verifier that took one as an HMAC secret would accept forged tokens.
 */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** What identity providers sign access tokens with in practice (Keycloak, Okta, Auth0, Entra ID, Dex, Google). */
export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** Who issues the bearer JWTs the Temporal UI forwards (codec.passAccessToken), and what they must say. */
export interface OidcSettings {
  /** compared exactly with the token's `iss` and with the discovery document's `issuer` */
  readonly issuer: string;
  /** the token's `aud` must contain one of these */
  readonly audience: readonly string[];
  /** undefined: discovered from `<issuer>/.well-known/openid-configuration` */
  readonly jwksUrl?: URL;
  readonly algorithms: readonly AsymmetricAlgorithm[];
}

const ISSUER = 'ROTATOR_CODEC_OIDC_ISSUER';
const AUDIENCE = 'ROTATOR_CODEC_OIDC_AUDIENCE';
const JWKS_URL = 'ROTATOR_CODEC_OIDC_JWKS_URL';
const ALGORITHMS = 'ROTATOR_CODEC_OIDC_ALGORITHMS';
const OIDC_VARIABLES = [ISSUER, AUDIENCE, JWKS_URL, ALGORITHMS] as const;

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** Plain http only where no network is crossed: keys fetched over it could be swapped by anyone on the path. */
export function isSecureEndpoint(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.test(url.hostname));
}

const endpoint = (name: string, example: string) =>
  z
    .url({ error: `${name} must be a URL such as ${example}` })
    // zod runs this check even when the URL check failed; that one has already said what is wrong
    .refine((v) => !URL.canParse(v) || isSecureEndpoint(new URL(v)), { error: `${name} must use https (plain http only on loopback: localhost, 127.0.0.1, [::1])` });

const commaList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

const OidcEnv = z.object({
  [ISSUER]: endpoint(ISSUER, 'https://idp.example.com/realms/ops')
    // OIDC Discovery §3: an issuer identifier has no query or fragment
    .refine((v) => !/[?#]/.test(v), { error: `${ISSUER} must have no query or fragment` }),
  [AUDIENCE]: z
    .string({ error: `${AUDIENCE} is required with ${ISSUER}: the audience (API identifier or client id) your identity provider puts in the tokens the Temporal UI forwards` })
    .transform(commaList)
    .pipe(z.array(z.string()).min(1, { error: `${AUDIENCE} is empty` })),
  [JWKS_URL]: endpoint(JWKS_URL, 'https://idp.example.com/realms/ops/protocol/openid-connect/certs').optional(),
  [ALGORITHMS]: z
    .string()
    .transform(commaList)
    .pipe(
      z
        .array(z.enum(ASYMMETRIC_ALGORITHMS, { error: (issue) => `${ALGORITHMS}: '${String(issue.input)}' is not allowed; choose asymmetric algorithms from ${ASYMMETRIC_ALGORITHMS.join(', ')}` }))
        .min(1, { error: `${ALGORITHMS} is empty` }),
    )
    .optional(),
});

/**
 * Reads ROTATOR_CODEC_OIDC_ISSUER, _AUDIENCE (comma-separated), _JWKS_URL and _ALGORITHMS (comma-separated).
 * Undefined when no issuer is set: the codec server then accepts only its static token. An empty value counts as
 * unset, since compose hands over empty defaults.
 */
export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): OidcSettings | undefined {
  const present = Object.fromEntries(OIDC_VARIABLES.filter((name) => env[name]?.trim()).map((name) => [name, env[name]!.trim()]));
  if (present[ISSUER] === undefined) {
    const stray = Object.keys(present);
    if (stray.length > 0) throw new Error(`codec server OIDC: ${stray.join(', ')} set without ${ISSUER}; set the issuer too, or unset them`);
    return undefined;
  }
  const parsed = OidcEnv.safeParse(present);
  if (!parsed.success) throw new Error(`codec server OIDC: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  const settings = parsed.data;
  return {
    issuer: settings[ISSUER],
    audience: settings[AUDIENCE],
    jwksUrl: settings[JWKS_URL] === undefined ? undefined : new URL(settings[JWKS_URL]),
    algorithms: settings[ALGORITHMS] ?? DEFAULT_ALGORITHMS,
  };
}
