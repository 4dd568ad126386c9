/** Where the time goes: CPU seconds of each process group (and of the driver) over a timed stretch. */
import { driverCpuSeconds, groupUsage, treeCpuSeconds } from './processes';

export interface Stretch {
  wallSeconds: number;
  /** CPU seconds per process over the stretch */
  cpuSeconds: Record<string, number>;
  /** CPU seconds per wall second: 1.0 is one core busy the whole time (the machine has os.cpus().length) */
  cores: Record<string, number>;
}

export class Meter {
  /** each name a process group by its leader's pid, or `{ tree: pid }`: a process and all its descendants (PostgreSQL) */
  constructor(private readonly groups: Record<string, number | { tree: number }>) {}

  private sample(): Record<string, number> {
    const cpu: Record<string, number> = { driver: driverCpuSeconds() };
    for (const [name, target] of Object.entries(this.groups)) cpu[name] = typeof target === 'number' ? groupUsage(target).cpuSeconds : treeCpuSeconds(target.tree);
    return cpu;
  }

  /** Times `work`, returning its result with the CPU each process spent meanwhile. */
  async measure<T>(work: () => Promise<T>): Promise<{ result: T; stretch: Stretch }> {
    const before = this.sample();
    const started = performance.now();
    const result = await work();
    const wallSeconds = (performance.now() - started) / 1000;
    const after = this.sample();
    const cpuSeconds: Record<string, number> = {};
    const cores: Record<string, number> = {};
    for (const name of Object.keys(after)) {
      cpuSeconds[name] = round(after[name]! - before[name]!);
      cores[name] = round((after[name]! - before[name]!) / wallSeconds);
    }
    return { result, stretch: { wallSeconds: round(wallSeconds), cpuSeconds, cores } };
  }
}

export const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export function mib(bytes: number): number {
  return round(bytes / 2 ** 20, 1);
}
