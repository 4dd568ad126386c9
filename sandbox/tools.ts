import { accessSync, constants, existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

/**
 * The real servers the suite runs against, and the official clients it checks the emulators with, provided by
 * scripts/bootstrap-tools.sh. `huaweicloud-python` is a Python that imports Huawei's CSMS SDK (its own venv).
 * The self-hosted cluster (sandbox/cluster/): `temporal-server` and `temporal-sql-tool` built from the Go module proxy,
 * PostgreSQL's `initdb`, `postgres` and `psql` (the machine's), and, for `npm run stack` only, `temporal-ui-server`.
 */
export type ToolName =
  | 'temporal'
  | 'temporal-test-server'
  | 'moto_server'
  | 'huaweicloud-python'
  | 'temporal-server'
  | 'temporal-sql-tool'
  | 'initdb'
  | 'postgres'
  | 'psql'
  | 'temporal-ui-server';

const overrides: Record<ToolName, string> = {
  temporal: 'ROTATOR_TEMPORAL_CLI',
  'temporal-test-server': 'ROTATOR_TEMPORAL_TEST_SERVER',
  moto_server: 'ROTATOR_MOTO_SERVER',
  'huaweicloud-python': 'ROTATOR_HUAWEICLOUD_PYTHON',
  'temporal-server': 'ROTATOR_TEMPORAL_SERVER',
  'temporal-sql-tool': 'ROTATOR_TEMPORAL_SQL_TOOL',
  initdb: 'ROTATOR_INITDB',
  postgres: 'ROTATOR_POSTGRES',
  psql: 'ROTATOR_PSQL',
  'temporal-ui-server': 'ROTATOR_TEMPORAL_UI_SERVER',
};

// a venv is recognised from the path its python is started by: resolving the link would leave the venv
const runByGivenPath: ReadonlySet<ToolName> = new Set(['huaweicloud-python']);

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
  return runByGivenPath.has(name) ? path.resolve(candidate) : realpathSync(candidate);
}
