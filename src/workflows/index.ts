// The workflow bundle's entry point: every workflow the rotator runs.
export { rotateCredential, statusQuery, restoreUpdate, deleteNowUpdate } from './rotate-credential';
export { launchRotation } from './launch-rotation';
export { rotateFleet, fleetReportQuery } from './rotate-fleet';
