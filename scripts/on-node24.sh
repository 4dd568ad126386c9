#!/usr/bin/env bash
# Runs a command on Node.js 24, the version the suite is run and supported on: .tools/node24 (put there by
# scripts/bootstrap-tools.sh when the machine's node is older) goes first on PATH, so `node` and every
# `#!/usr/bin/env node` tool (tsc, eslint, jest, tsx) is 24, and so is what they spawn with process.execPath.
# Without .tools/node24 the machine's node is used as it is (24 or newer, or a bootstrap not yet run).
#   bash scripts/on-node24.sh <command> [args…]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$root/.tools/node24/bin/node" ]; then
  export PATH="$root/.tools/node24/bin:$PATH"
fi
exec "$@"
