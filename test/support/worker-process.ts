import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { DEMO_CODEC_KEYS } from '../../src/codec/key-ring';
import { DEMO_SEAL_KEYS } from '../../src/codec/sealed-secrets';
import { soracomAuth, testAwsCredentials } from './rotation-env';
import { trackPid, untrackPid } from './processes';

const rotatorBin = path.resolve(__dirname, '../../bin/rotator.js');

/** A `rotator worker` process, spawned as an operator (or a container) runs it. */
export interface WorkerProcess {
  readonly pid: number;
  /** the identity Temporal records for this worker's tasks (the SDK default, pid@hostname) */
  readonly identity: string;
  /** everything it printed to stderr so far */
  output(): string;
  /** resolves with the exit code (or signal) once the process is gone */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** The provider and codec environment a worker needs against moto and the SORACOM sandbox. */
export function providerEnv(motoEndpoint: string, soracomEndpoint: string): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_IAM: motoEndpoint,
    AWS_ENDPOINT_URL_STS: motoEndpoint,
    AWS_ACCESS_KEY_ID: testAwsCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: testAwsCredentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    SORACOM_ENDPOINT: soracomEndpoint,
    SORACOM_AUTH_KEY_ID: soracomAuth.authKeyId,
    SORACOM_AUTH_KEY: soracomAuth.authKey,
    ROTATOR_CODEC_KEYS: DEMO_CODEC_KEYS,
  };
}

/** Spawns `rotator worker` with only `env` (plus PATH, HOME and the demo seal key, which only workers hold) and waits until it polls. */
export async function startWorkerProcess(env: NodeJS.ProcessEnv, readyTimeoutMs = 90_000): Promise<WorkerProcess> {
  const child: ChildProcess = spawn(process.execPath, [rotatorBin, 'worker'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ROTATOR_SEAL_KEYS: DEMO_SEAL_KEYS, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  trackPid(child.pid!, 'rotator worker');
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      untrackPid(child.pid!);
      resolve({ code, signal });
    }),
  );
  const deadline = Date.now() + readyTimeoutMs;
  while (!stderr.includes('worker ready')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`rotator worker exited before it was ready:\n${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`rotator worker not ready within ${readyTimeoutMs} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    identity: `${child.pid}@${os.hostname()}`,
    output: () => stderr,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Stops a worker for good at the end of a test (SIGKILL: nothing to hand back by then). */
export async function stopWorkerProcess(worker: WorkerProcess | undefined): Promise<void> {
  if (!worker) return;
  worker.kill('SIGKILL');
  await worker.exited;
}
