/** Workflows run here; activities run on one queue per provider (the registry's), so each gets its own server-enforced rate limit. */
export const ROTATIONS_TASK_QUEUE = 'rotations';

export { PROVIDERS, PROVIDER_QUEUES, consumerTaskQueue, sourceTaskQueue, type ProviderQueue } from './registry';
