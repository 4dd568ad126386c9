/**
 * Loaded once into each worker's workflow context before any workflow (src/workflow-bundling.ts); the SDK then freezes
 * what it exported. zod fills its global config lazily (the English locale on the first schema, its memoizer on the
 * first object schema), which would fail once frozen: one full parse here, valid and invalid, does all of that first.
 * Naming zod alone would not do: webpack drops a bare require('zod'), zod declaring itself side-effect free.
 */
import { defineRotationSchemas } from './schemas';

const { RotationRequest } = defineRotationSchemas();
const source = { kind: 'aws-iam-access-key', userName: 'preload', accountId: '000000000000' } as const;
RotationRequest.safeParse({ source, consumers: [{ kind: 'soracom-credentials-set', credentialsId: 'preload' }] });
RotationRequest.safeParse({ source, consumers: [], recoveryWindowDays: 0 });
