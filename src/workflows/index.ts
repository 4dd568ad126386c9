// The workflow bundle's entry point: every workflow the rotator runs.
export { rotateCredential, statusQuery, restoreUpdate, deleteNowUpdate } from './rotate-credential';
