import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec';
import type { KeyRing } from './key-ring';

/** Must be given to bundleWorkflowCode too: the failure converter runs inside the workflow sandbox. */
export const failureConverterPath = require.resolve('./failure-converter');

/** The data converter for every worker and client: encrypted payloads, encoded failure messages. */
export function rotatorDataConverter(ring: KeyRing): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(ring)], failureConverterPath };
}
