import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker lifecycle chatter at INFO buries test output; warnings and errors still show.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  /* already installed in this process by an earlier test file */
}
