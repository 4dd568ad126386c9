// What `npm run mutate` mutates, and which tests watch each part (docs/testing.md says why these).
export const groups = {
  /** redaction, sealing and the orphan-sweep guard: small, fast, and run by `npm test` (mutate:quick) */
  quick: {
    mutate: ['src/logging.ts', 'src/activities/source-kit.ts', 'src/activities/sealing.ts', 'src/workflows/world-check.ts'],
    tests: ['test/unit/logging.test.ts', 'test/unit/orphan-sweep.test.ts', 'test/unit/sealed-secrets.test.ts', 'test/unit/world-check.test.ts'],
    typeCheck: false,
    breakBelow: 90,
  },
  /** payload encryption and secret sealing */
  codec: {
    mutate: ['src/codec/encryption-codec.ts', 'src/codec/sealed-secrets.ts'],
    tests: ['test/unit/codec.test.ts', 'test/unit/sealed-secrets.test.ts'],
  },
  /** the request schemas: windows, grace, ids, consumers */
  schemas: {
    mutate: ['src/rotation/schemas.ts', 'src/providers/*/descriptor.ts'],
    tests: ['test/unit/model.test.ts', 'test/unit/descriptors.test.ts'],
  },
  /** how each provider's answers are classified: retry, retry after, fail fast */
  errors: {
    mutate: ['src/providers/errors.ts', 'src/providers/*/errors.ts', 'src/providers/http/*.ts'],
    tests: [
      'test/unit/aws-iam-errors.test.ts',
      'test/unit/http-toolkit.test.ts',
      'test/unit/provider-errors.test.ts',
      'test/unit/file-consumer.test.ts',
    ],
  },
  /** the phase order, on the time-skipping server and by replay: mutants run inside the workflow sandbox */
  workflow: {
    mutate: ['src/workflows/phases.ts'],
    tests: ['test/replay/replay.test.ts', 'test/workflow/phase-order.test.ts'],
    coverageAnalysis: 'off',
    timeoutMS: 120_000,
  },
};
