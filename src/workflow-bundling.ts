/**
 * How every workflow bundle is built: at worker start from the sources, by `npm run build`, and in the tests.
 * zod keeps no per-workflow state, so it is loaded once per worker and shared (frozen) by every cached rotation instead
 * of being evaluated into each one: ~180 zod classes and their shapes per rotation otherwise (bench/README.md).
 */
export const WORKFLOW_PRELOAD_MODULES = [require.resolve('./rotation/zod-preload')];
