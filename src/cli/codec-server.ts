/** `rotator codec-server`: serves /encode and /decode so the Temporal UI shows decoded payloads to an operator it lets in. */
import type { Command } from 'commander';
import { createAccessTokenVerifier, type AccessTokenVerifier } from '../codec/access-token';
import { startCodecServer } from '../codec/codec-server';
import { EncryptionCodec } from '../codec/encryption-codec';
import { keyRingFromEnv } from '../codec/key-ring';
import { oidcSettingsFromEnv } from '../codec/oidc-settings';
import { OperatorError } from '../operations';
import { argument } from './arguments';

const HELP = `
The static token comes from ROTATOR_CODEC_SERVER_TOKEN (at least 16 characters); keys from ROTATOR_CODEC_KEYS or
ROTATOR_CODEC_KEY_FILE, as for the worker. Give the UI the printed endpoint, which carries the token in its path
(e.g. temporal server start-dev --ui-codec-endpoint <endpoint>, or TEMPORAL_CODEC_ENDPOINT for the UI server).

With the UI's OIDC login, set ROTATOR_CODEC_OIDC_ISSUER and ROTATOR_CODEC_OIDC_AUDIENCE (optional:
ROTATOR_CODEC_OIDC_JWKS_URL, ROTATOR_CODEC_OIDC_ALGORITHMS) and TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true on the UI
server: the bearer JWT it forwards is then verified. The static token becomes optional; leave it unset to accept
only signed-in users.`;

interface CodecServerOptions {
  host: string;
  port: number;
  uiOrigin: string;
}

const portNumber = argument((v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('must be a port number');
  return n;
});

/**
 * The codec server's credentials: the static token, OIDC, or both (either one lets a request in). An empty token
 * counts as unset, since compose hands over empty defaults: that is how OIDC runs alone.
 */
async function codecServerAuthFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<{ token?: string; accessTokens?: AccessTokenVerifier }> {
  const token = env.ROTATOR_CODEC_SERVER_TOKEN || undefined;
  let oidc;
  try {
    oidc = oidcSettingsFromEnv(env);
  } catch (err) {
    throw new OperatorError((err as Error).message);
  }
  if (token === undefined && oidc === undefined) {
    throw new OperatorError('set ROTATOR_CODEC_SERVER_TOKEN to a random string of at least 16 characters, e.g. `openssl rand -hex 24`, or ROTATOR_CODEC_OIDC_ISSUER and ROTATOR_CODEC_OIDC_AUDIENCE to accept the tokens of the Temporal UI\'s OIDC login');
  }
  if (token !== undefined && token.length < 16) throw new OperatorError('ROTATOR_CODEC_SERVER_TOKEN must be at least 16 characters, e.g. `openssl rand -hex 24`');
  if (oidc === undefined) return { token };
  // discovery happens once, here: a wrong issuer stops the server at start rather than refusing every login later
  const accessTokens = await createAccessTokenVerifier(oidc).catch((err: Error) => {
    throw new OperatorError(err.message);
  });
  return { token, accessTokens };
}

function codecFromEnv(): EncryptionCodec {
  try {
    return new EncryptionCodec(keyRingFromEnv());
  } catch (err) {
    throw new OperatorError((err as Error).message);
  }
}

/** Runs until SIGINT or SIGTERM, saying on stderr where it listens and whom it lets in. */
async function serveCodec(opts: CodecServerOptions): Promise<void> {
  const codec = codecFromEnv();
  const { token, accessTokens } = await codecServerAuthFromEnv();
  // requests with no credential at all are health checks and scanners: logging them would bury the refusals that matter
  const onRefusal = (reason: string) => reason !== 'no credential' && process.stderr.write(`codec server: refused a request (${reason})\n`);
  const server = await startCodecServer({ codec, token, accessTokens, onRefusal, uiOrigin: opts.uiOrigin, host: opts.host, port: opts.port });
  const endpoint = token === undefined ? server.url : `${server.url}/<token>`;
  process.stderr.write(`codec server on ${server.url} for UI origin ${opts.uiOrigin}; UI codec endpoint: ${endpoint}\n`);
  if (accessTokens) process.stderr.write(`codec server: accepting bearer JWTs from ${accessTokens.issuer} (keys: ${accessTokens.jwksUrl.href})${token === undefined ? '' : ' or the static token'}\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await server.stop();
}

export function addCodecServerCommand(program: Command): void {
  program
    .command('codec-server')
    .description('serve /encode and /decode for the Temporal UI, so an operator with the token sees decoded payloads')
    .option('--host <host>', 'interface to listen on (keep it loopback unless TLS terminates in front)', '127.0.0.1')
    .option('--port <port>', 'port', portNumber, 8888)
    .option('--ui-origin <origin>', 'the Temporal UI origin allowed by CORS', 'http://127.0.0.1:8233')
    .addHelpText('after', HELP)
    .action(serveCodec);
}
