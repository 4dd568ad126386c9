/**
 * `rotator rotate soracom-auth-key` spawned as an operator runs it: bad input exits 2 before Temporal or SORACOM is
 * contacted, and --help teaches the command. The consumer syntax is checked here too.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { parseConsumerArg } from '../../src/rotation/model';
import { freePort } from '../support/ports';

const run = promisify(execFile);
const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

async function rotatorCli(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS, ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [rotatorBin, ...args], { env: childEnv, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('rotator rotate soracom-auth-key: bad input', () => {
  it.each([
    [['--consumer', 'file:/tmp/k.json'], /required option '--user <samUser>' not specified/],
    [['--user', 'credential-rotator'], /required option '--consumer <spec>' not specified/],
    [['--user', 'has space', '--consumer', 'file:/tmp/k.json'], /SAM user name must be 1–100 characters/],
    [['--user', 'r', '--consumer', 'soracom:funnel-aws'], /a SORACOM credentials set cannot hold a SORACOM AuthKey; use file:<absolute path> or csms:<secretName>/],
    [['--user', 'r', '--consumer', 'file:keys/k.json'], /file path must be absolute/],
    [['--user', 'r', '--consumer', 'file:/var/lib/../k.json'], /file path must be a normalised path/],
    [['--user', 'r', '--consumer', 'csms:bad name'], /CSMS secret name must be 1–64 characters/],
    [['--user', 'r', '--consumer', 'file:/tmp/k.json', '--operator', 'OP12'], /SORACOM operator id must be OP followed by 10/],
    [['--user', 'r', '--consumer', 'file:/tmp/k.json', '--operator', 'OP0012345678', '--recovery-window', '3d'], /whole days from 7d to 30d/],
  ])('%p exits 2 before contacting Temporal or SORACOM', async (args, message) => {
    const closed = `127.0.0.1:${await freePort()}`;
    const result = await rotatorCli({ TEMPORAL_ADDRESS: closed, SORACOM_ENDPOINT: `http://${closed}/v1`, SORACOM_AUTH_KEY_ID: 'keyId-x', SORACOM_AUTH_KEY: 'secret-x-0000' }, 'rotate', 'soracom-auth-key', ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/cannot reach Temporal|no answer from/);
  });

  it('without --operator and without SORACOM variables, says how to name the operator (exit 2)', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    const result = await rotatorCli({ TEMPORAL_ADDRESS: closed }, 'rotate', 'soracom-auth-key', '--user', 'r', '--consumer', 'file:/tmp/k.json');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot tell which SORACOM operator to use: .*SORACOM_AUTH_KEY_ID is not set.* Pass --operator OP/);
  });

  it('--help explains the consumers, the key file and that the old key still logs in during the window', async () => {
    const { code, stdout } = await rotatorCli({}, 'rotate', 'soracom-auth-key', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/file:<absolute\s+path>/);
    expect(stdout).toMatch(/SORACOM_AUTH_KEY_FILE/);
    expect(stdout).toMatch(/OLD KEY STILL LOGS IN/);
    expect(stdout).toMatch(/rotator-sam-self-rotation\.json/);
  });
});

describe('file: consumer syntax', () => {
  it('takes the rest of the argument as the path, colons included', () => {
    expect(parseConsumerArg('file:/etc/rotator/a:b.json')).toEqual({ kind: 'file', path: '/etc/rotator/a:b.json' });
    expect(() => parseConsumerArg('file:')).toThrow(/file path must be absolute/);
    expect(() => parseConsumerArg('file:/etc/rotator/')).toThrow(/normalised path to a file/);
    expect(() => parseConsumerArg('file:/etc//k.json')).toThrow(/normalised path to a file/);
    expect(() => parseConsumerArg('s3:bucket')).toThrow(/or file:<absolute path>/);
  });
});
