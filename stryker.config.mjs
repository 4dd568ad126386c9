// Mutation testing (Stryker) of the code whose bugs cost the most: see docs/testing.md. `npm run mutate` runs every
// group below, one Stryker run each, through scripts/mutate.mjs, which picks the group with ROTATOR_MUTATE_GROUP and adds
// up the score; `npm run mutate:quick` runs the quick group alone, as `npm test` does.
import { groups } from './scripts/mutation-groups.mjs';

const name = process.env.ROTATOR_MUTATE_GROUP ?? 'quick';
const group = groups[name];
if (!group) throw new Error(`ROTATOR_MUTATE_GROUP='${name}' is not one of ${Object.keys(groups).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.config.js',
    // each group names the tests that watch its code; nothing else runs for its mutants
    config: { testMatch: group.tests.map((t) => `<rootDir>/${t}`) },
    enableFindRelatedTests: false,
  },
  plugins: ['@stryker-mutator/jest-runner', '@stryker-mutator/typescript-checker'],
  checkers: group.typeCheck === false ? [] : ['typescript'],
  tsconfigFile: 'tsconfig.mutate.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // ROTATOR_MUTATE_FILES narrows a group to some files or lines (`src/workflows/phases.ts:120-130`) while writing tests
  mutate: process.env.ROTATOR_MUTATE_FILES?.split(',') ?? group.mutate,
  // code a mutant runs only inside the workflow sandbox is invisible to per-test coverage: such a group runs every test
  coverageAnalysis: group.coverageAnalysis ?? 'perTest',
  ignoreStatic: group.ignoreStatic ?? false,
  // the machine has 2 cores: the full groups take one (other test runs share the machine; the scripts set nice), the
  // quick group both (in `npm test` it runs after jest, alone)
  concurrency: Number(process.env.ROTATOR_MUTATE_CONCURRENCY ?? group.concurrency ?? 1),
  timeoutMS: group.timeoutMS ?? 10_000,
  timeoutFactor: 2,
  // the pinned tools (.tools/) are reached through ROTATOR_* variables set by scripts/mutate.mjs, not copied
  ignorePatterns: ['.tools', '.stryker-tmp', '.demo', 'lib', 'coverage', 'reports', 'test-output', 'bench/results', '.build-test-*'],
  // one per group: groups may run at once, and each cleans its own when done
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  thresholds: { high: 95, low: 90, break: group.breakBelow ?? null },
  disableTypeChecks: '{src,test,sandbox}/**/*.ts',
};
