// What `npm run mutate` mutates, and which tests watch each part (docs/testing.md says why these).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The lines of the named methods of a class file, as Stryker ranges (`file:first-last`): found by name at each run, so
 * they follow the file as it changes. A method starts at `  [async ]name(` and ends at the next line `  }`.
 */
function methods(file, names) {
  const lines = readFileSync(path.join(root, file), 'utf8').split('\n');
  return names.map((name) => {
    const start = lines.findIndex((l) => new RegExp(`^  (?:private )?(?:async )?${name}\\(`).test(l));
    if (start < 0) throw new Error(`${file} has no method ${name}: update scripts/mutation-groups.mjs`);
    const end = lines.findIndex((l, i) => i > start && l === '  }');
    return `${file}:${start + 1}-${end + 1}`;
  });
}

export const groups = {
  /**
   * redaction and the orphan-sweep guard: the quick group, run by `npm test` (mutate:quick) and failing below 90 %; no
   * type checker, so it starts in seconds
   */
  quick: {
    mutate: ['src/logging.ts', 'src/activities/source-kit.ts'],
    tests: ['test/unit/logging.test.ts', 'test/unit/orphan-sweep.test.ts'],
    typeCheck: false,
    concurrency: 2,
    breakBelow: 90,
  },
  /** payload encryption, secret sealing, and the boundary that seals a source's result and opens it for a provider */
  codec: {
    mutate: ['src/codec/encryption-codec.ts', 'src/codec/sealed-secrets.ts', 'src/activities/sealing.ts'],
    tests: ['test/unit/codec.test.ts', 'test/unit/sealed-secrets.test.ts'],
  },
  /**
   * the request schemas (windows, grace, ids, consumers), every descriptor, and the world check before deleting; the
   * descriptors draw the secret shapes the log scrubs, so the logging test watches them too
   */
  rules: {
    mutate: ['src/rotation/schemas.ts', 'src/providers/*/descriptor.ts', 'src/workflows/world-check.ts'],
    tests: ['test/unit/model.test.ts', 'test/unit/descriptors.test.ts', 'test/unit/world-check.test.ts', 'test/unit/logging.test.ts'],
  },
  /** how each provider's answers are classified: retry, retry after, fail fast */
  errors: {
    mutate: ['src/providers/errors.ts', 'src/providers/*/errors.ts', 'src/providers/http/*.ts'],
    tests: [
      'test/unit/aws-iam-errors.test.ts',
      'test/unit/http-toolkit.test.ts',
      'test/unit/provider-errors.test.ts',
      'test/unit/file-consumer.test.ts',
      'test/providers/soracom-client.test.ts',
      'test/providers/csms-client.test.ts',
      'test/providers/wallarm-client.test.ts',
      'test/providers/soracom-real-shapes.test.ts',
      'test/providers/csms-real-shapes.test.ts',
      'test/providers/wallarm-real-shapes.test.ts',
      'test/providers/aws-iam-real-shapes.test.ts',
    ],
  },
  /**
   * the phase order register → grace → deactivate → window → delete, and the world check before deleting: watched on
   * the time-skipping server and by replaying every committed history; these mutants run inside the workflow sandbox
   */
  workflow: {
    mutate: methods('src/workflows/phases.ts', ['create', 'verify', 'register', 'letConsumersPickUp', 'deactivate', 'deleteIfAllowed', 'survey', 'deleteOld', 'retire']),
    tests: ['test/replay/replay.test.ts', 'test/workflow/phase-order.test.ts'],
    coverageAnalysis: 'off',
    timeoutMS: 30_000,
  },
};
