import { DefaultFailureConverter } from '@temporalio/common';

// Failure messages and stacks can quote provider answers: move them into the (encrypted) encoded attributes.
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
