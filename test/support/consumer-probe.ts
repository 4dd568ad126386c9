/**
 * A consumer, simulated: it reads its credential (from a SORACOM set, as Funnel does, or wherever `read` looks) and
 * authenticates with it against STS, every `intervalMs`, recording each failure. The invariant is measured with it.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export interface ProbeReport {
  probes: number;
  /** the slowest read-then-authenticate, ms: a grace shorter than this can cut off a consumer mid-use */
  slowestMs: number;
  failures: { at: number; accessKeyId: string; error: string }[];
  keysSeen: Set<string>;
}

export interface ConsumerProbe {
  report: ProbeReport;
  /** stops probing (no request is made while paused) and resumes */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export function startConsumer(
  read: () => { accessKeyId: string; secretAccessKey: string } | Promise<{ accessKeyId: string; secretAccessKey: string }>,
  stsEndpoint: string,
  expectedArn: string,
  options: { intervalMs?: number; paused?: boolean } = {},
): ConsumerProbe {
  const intervalMs = options.intervalMs ?? 50;
  const report: ProbeReport = { probes: 0, slowestMs: 0, failures: [], keysSeen: new Set() };
  let running = true;
  let paused = options.paused ?? false;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      if (!paused) {
        const credentials = await read();
        report.keysSeen.add(credentials.accessKeyId);
        const sts = new STSClient({ region: 'us-east-1', endpoint: stsEndpoint, credentials, maxAttempts: 1 });
        try {
          const me = await sts.send(new GetCallerIdentityCommand({}));
          if (me.Arn !== expectedArn) throw new Error(`authenticated as ${me.Arn}`);
        } catch (err) {
          report.failures.push({ at: started, accessKeyId: credentials.accessKeyId, error: `${(err as Error).name}: ${(err as Error).message} (after ${Date.now() - started} ms)` });
        } finally {
          sts.destroy();
          report.probes++;
          report.slowestMs = Math.max(report.slowestMs, Date.now() - started);
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
    }
  })();
  return {
    report,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
