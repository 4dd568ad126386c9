#!/usr/bin/env node
// `npm run mutate [-- group …]`: one Stryker run per group of scripts/mutation-groups.mjs (all by default), niced, then
// the score over every group, per file, with each surviving mutant. The full run writes docs/mutation-summary.md, and so
// does `--summarise [group …]` from the groups' last reports (naming the groups it leaves out).
// `npm run mutate:quick` runs the quick group alone (as `npm test` does) and fails below 90 %.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { groups } from './mutation-groups.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// `--summarise`: no run, only the score of the reports the groups' last runs left (each group may be run on its own)
const summariseOnly = process.argv.includes('--summarise');
const asked = process.argv.slice(2).filter((a) => a !== '--summarise');
const names = asked.length > 0 ? asked : Object.keys(groups);
for (const name of names) if (!groups[name]) throw new Error(`no mutation group '${name}'; groups: ${Object.keys(groups).join(', ')}`);
const full = asked.length === 0;
const writeSummary = full || summariseOnly;
const timingsFile = path.join(root, 'reports', 'mutation', 'timings.json');
const THRESHOLD = 90;

// Stryker copies the project into a sandbox without .tools/: the tests find the pinned servers through these
const tools = { ROTATOR_TEMPORAL_CLI: 'temporal', ROTATOR_TEMPORAL_TEST_SERVER: 'temporal-test-server', ROTATOR_MOTO_SERVER: 'moto_server' };
const env = { ...process.env };
for (const [variable, tool] of Object.entries(tools)) {
  const candidate = path.join(root, '.tools', 'bin', tool);
  if (!env[variable] && existsSync(candidate)) env[variable] = realpathSync(candidate);
}

let timings = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : {};
for (const name of summariseOnly ? [] : names) {
  const started = Date.now();
  process.stdout.write(`\n[mutate] group ${name}: ${groups[name].mutate.join(' ')}\n`);
  const run = spawnSync('nice', ['-n', '10', process.execPath, path.join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run'], {
    cwd: root,
    env: { ...env, ROTATOR_MUTATE_GROUP: name },
    stdio: 'inherit',
  });
  timings[name] = Math.round((Date.now() - started) / 1000);
  // read again before writing: groups may run at once, each in its own process
  const recorded = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : {};
  writeFileSync(timingsFile, JSON.stringify({ ...recorded, [name]: timings[name] }, null, 2));
  process.stdout.write(`[mutate] group ${name} took ${timings[name]} s\n`);
  if (run.status !== 0) {
    process.stderr.write(`[mutate] Stryker failed for group ${name} (exit ${run.status})\n`);
    process.exit(run.status ?? 1);
  }
}

if (existsSync(timingsFile)) timings = { ...timings, ...JSON.parse(readFileSync(timingsFile, 'utf8')) };

// ── the score over every group, from Stryker's JSON reports ───────────────────────────────────────────
const detected = new Set(['Killed', 'Timeout']);
const undetected = new Set(['Survived', 'NoCoverage']);
const rows = [];
const survivors = [];
for (const name of names) {
  const report = JSON.parse(readFileSync(path.join(root, 'reports', 'mutation', `${name}.json`), 'utf8'));
  for (const [file, { mutants, source }] of Object.entries(report.files)) {
    const lines = source.split('\n');
    const count = (set) => mutants.filter((m) => set.has(m.status)).length;
    const row = { group: name, file, detected: count(detected), undetected: count(undetected), invalid: mutants.filter((m) => m.status === 'CompileError' || m.status === 'RuntimeError').length };
    rows.push(row);
    for (const m of mutants.filter((m) => undetected.has(m.status))) {
      const line = m.location.start.line;
      survivors.push({ file, line, status: m.status, mutator: m.mutatorName, original: (lines[line - 1] ?? '').trim(), replacement: m.replacement ?? '' });
    }
  }
}
rows.sort((a, b) => a.file.localeCompare(b.file));
survivors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
const pct = (d, u) => (d + u === 0 ? 100 : (100 * d) / (d + u));
const total = rows.reduce((t, r) => ({ detected: t.detected + r.detected, undetected: t.undetected + r.undetected, invalid: t.invalid + r.invalid }), { detected: 0, undetected: 0, invalid: 0 });
const score = pct(total.detected, total.undetected);

const table = [
  '| file | group | killed | survived | score |',
  '| --- | --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| \`${r.file}\` | ${r.group} | ${r.detected} | ${r.undetected} | ${pct(r.detected, r.undetected).toFixed(1)} % |`),
  `| **all** | | **${total.detected}** | **${total.undetected}** | **${score.toFixed(2)} %** |`,
].join('\n');
process.stdout.write(`\n${table}\n\n[mutate] mutation score ${score.toFixed(2)} % (${total.detected} of ${total.detected + total.undetected} mutants detected; ${total.invalid} did not compile)\n`);
for (const s of survivors) process.stdout.write(`[mutate] ${s.status}: ${s.file}:${s.line} ${s.mutator}: ${s.replacement}\n`);

if (writeSummary) {
  const when = new Date().toISOString().slice(0, 10);
  const left = Object.keys(groups).filter((g) => !names.includes(g));
  const summary = [
    full && !summariseOnly ? '# Mutation testing: the last full run' : '# Mutation testing: the last run of each group',
    '',
    full && !summariseOnly
      ? `Written by \`npm run mutate\` on ${when} (${os.cpus().length} cores, Node ${process.version}); why these files, and why each survivor is harmless: [testing.md](testing.md#mutation-testing).`
      : `Written by \`node scripts/mutate.mjs --summarise ${asked.join(' ')}\` on ${when} from each group's last report (${os.cpus().length} cores, Node ${process.version})${left.length > 0 ? `; not in it: ${left.join(', ')}` : ''}; why these files, and why each survivor is harmless: [testing.md](testing.md#mutation-testing).`,
    `Time, niced on a machine shared with other test runs: ${names.map((g) => `${g} ${Math.round((timings[g] ?? 0) / 60)} min`).join(', ')}; ${Math.round(names.reduce((t, g) => t + (timings[g] ?? 0), 0) / 60)} min in all.`,
    '',
    `**Mutation score: ${score.toFixed(2)} %** (${total.detected} of ${total.detected + total.undetected} mutants detected; a further ${total.invalid} did not type-check and were not run).`,
    '',
    table,
    '',
    '## Surviving mutants',
    '',
    survivors.length === 0 ? 'None.' : survivors.map((s) => `- \`${s.file}:${s.line}\` ${s.mutator} (${s.status}): \`${s.original.slice(0, 120)}\` → \`${s.replacement.slice(0, 120)}\``).join('\n'),
    '',
  ].join('\n');
  writeFileSync(path.join(root, 'docs', 'mutation-summary.md'), summary);
  process.stdout.write('[mutate] wrote docs/mutation-summary.md\n');
}
if (score < THRESHOLD) {
  process.stderr.write(`[mutate] the mutation score ${score.toFixed(2)} % is below ${THRESHOLD} %\n`);
  process.exit(1);
}
