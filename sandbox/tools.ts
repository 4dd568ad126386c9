import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** The three real servers the suite runs against, provided by scripts/bootstrap-tools.sh. */
export type ToolName = 'temporal' | 'temporal-test-server' | 'moto_server';

const overrides: Record<ToolName, string> = {
  temporal: 'ROTATOR_TEMPORAL_CLI',
  'temporal-test-server': 'ROTATOR_TEMPORAL_TEST_SERVER',
  moto_server: 'ROTATOR_MOTO_SERVER',
};

// sandbox/ sits right below the project root (it runs from a checkout, never from lib/)
export const projectRoot = path.resolve(__dirname, '..');

/** Path of a tool: its override variable, else .tools/bin/<name>. A missing tool is an error that names it and the fix. */
export function toolPath(name: ToolName): string {
  const envVar = overrides[name];
  const candidate = process.env[envVar] || path.join(projectRoot, '.tools', 'bin', name);
  if (!existsSync(candidate)) {
    throw new Error(
      `Required tool '${name}' not found at ${candidate}. ` +
        `Run 'npm run tools' (scripts/bootstrap-tools.sh) to install it, or set ${envVar} to its path.`,
    );
  }
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    throw new Error(`Required tool '${name}' at ${candidate} is not executable. Delete .tools/ and run 'npm run tools'.`);
  }
  return realpathSync(candidate);
}
