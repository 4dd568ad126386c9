import type { ConsumerSpec, SourceSpec } from './model';

/** Workflows run here; activities run on one queue per provider so each gets its own server-enforced rate limit. */
export const ROTATIONS_TASK_QUEUE = 'rotations';

/** `provider-file`: files on the workers' own file system; no remote rate limit to share. */
export type ProviderQueue = 'provider-aws-iam' | 'provider-soracom' | 'provider-csms' | 'provider-wallarm' | 'provider-file';

export function sourceTaskQueue(source: SourceSpec): ProviderQueue {
  switch (source.kind) {
    case 'aws-iam-access-key':
      return 'provider-aws-iam';
    case 'wallarm-api-token':
      return 'provider-wallarm';
    // SORACOM limits calls per operator: AuthKey calls share the one budget with the credentials-set calls
    case 'soracom-auth-key':
      return 'provider-soracom';
  }
}

export function consumerTaskQueue(consumer: ConsumerSpec): ProviderQueue {
  switch (consumer.kind) {
    case 'soracom-credentials-set':
      return 'provider-soracom';
    case 'csms-secret':
      return 'provider-csms';
    case 'file':
      return 'provider-file';
  }
}
