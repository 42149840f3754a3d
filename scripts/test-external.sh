#!/usr/bin/env bash
# make test-external: the MONGODB_URI path against a database server in
# another process. Starts Debian's PostgreSQL in a temporary directory (a
# Unix socket there, no TCP port) and FerretDB with its PostgreSQL backend
# (internal/store/cmd/ferretdb-pg) on a 127.0.0.1 port, then runs with
# MONGODB_TEST_URI pointing at it:
#   - the store contract suite (internal/store, TestContractMongoDB),
#   - a short load test (TestLoadtestCommandExternal: `expertenrunde loadtest`
#     reading MONGODB_URI),
#   - the restart test (TestExternalDatabaseRestart), three times: FerretDB
#     restarted (the server the app talks to, as a mongod would restart),
#     PostgreSQL restarted beneath it (FerretDB stays up and fails commands),
#     and FerretDB frozen with SIGSTOP and resumed (a server that hangs).
# Every suite runs; the exit status is non-zero if any failed. Every process
# is stopped and the temporary directory removed at the end, also on failure
# or Ctrl-C.
#
# PostgreSQL refuses to run as root: as root, its programs run as the user
# nobody (runuser), on a directory owned by nobody.
#
# `scripts/test-external.sh check` exits 0 when the prerequisites are there
# (make test runs test-external then; .ci/run installs them). The same
# script is the stop and start command the restart test runs
# (MONGODB_TEST_STOP, MONGODB_TEST_START):
#   scripts/test-external.sh stop|start ferretdb|postgres DIR
set -euo pipefail

GO=${GO:-go}

# alive PID: the process exists and is no zombie (nobody may reap an orphan).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# as_pg CMD...: runs a PostgreSQL program as the owner of the data
# directory, in / (nobody may not enter the caller's directory).
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u nobody -- "$@")
	else
		(cd / && "$@")
	fi
}

pg_start() {
	local dir=$1
	as_pg "$(cat "$dir/pgbin")/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w -t 120 \
		-o "-c listen_addresses='' -k $dir/pg -c fsync=off -c full_page_writes=off" start >/dev/null
}

pg_stop() {
	local dir=$1
	as_pg "$(cat "$dir/pgbin")/pg_ctl" -D "$dir/pg/data" -m fast -w -t 120 stop >/dev/null
}

# ferretdb_start DIR [LISTEN]: starts FerretDB and waits until it answers
# (it writes DIR/uri then), on LISTEN or the address of the first start.
ferretdb_start() {
	local dir=$1 listen=${2:-}
	if [ -z "$listen" ]; then
		listen=$(sed -e 's|^mongodb://||' -e 's|/.*$||' "$dir/uri")
	fi
	rm -f "$dir/uri"
	"$dir/ferretdb-pg" -listen "$listen" -postgresql-url "postgres://postgres@/postgres?host=$dir/pg" \
		-uri-file "$dir/uri" </dev/null >>"$dir/ferretdb.log" 2>&1 &
	local pid=$!
	echo "$pid" >"$dir/ferretdb.pid"
	until [ -s "$dir/uri" ]; do
		if ! alive "$pid"; then
			echo "test-external: FerretDB did not start:" >&2
			tail -20 "$dir/ferretdb.log" >&2
			return 1
		fi
		sleep 0.1
	done
}

# ferretdb_stop DIR: SIGTERM, and waits until the process is gone.
ferretdb_stop() {
	local dir=$1 pid i
	pid=$(cat "$dir/ferretdb.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do # FerretDB gives connections 3 s to finish
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$dir/ferretdb.pid"
}

# find_pgbin: sets pgbin to the directory of PostgreSQL's server programs,
# or says what is missing and fails. Debian keeps them off PATH, in
# /usr/lib/postgresql/<version>/bin; the newest version wins.
find_pgbin() {
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$pgbin" ] && command -v initdb >/dev/null; then
		pgbin=$(dirname "$(command -v initdb)")
	fi
	if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ] || [ ! -x "$pgbin/pg_ctl" ]; then
		echo "test-external: PostgreSQL's initdb and pg_ctl were not found; install Debian's postgresql package (apt-get install postgresql)" >&2
		return 1
	fi
	if [ "$(id -u)" = 0 ] && ! command -v runuser >/dev/null; then
		echo "test-external: running as root, PostgreSQL needs runuser (util-linux) to run as nobody" >&2
		return 1
	fi
}

if [ $# -gt 0 ]; then
	case "$1 ${2:-}" in
	"check ") find_pgbin ;;
	"stop ferretdb") ferretdb_stop "$3" ;;
	"start ferretdb") ferretdb_start "$3" ;;
	"freeze ferretdb") kill -STOP "$(cat "$3/ferretdb.pid")" ;;
	"thaw ferretdb") kill -CONT "$(cat "$3/ferretdb.pid")" ;;
	"stop postgres") pg_stop "$3" ;;
	"start postgres") pg_start "$3" ;;
	*)
		echo "usage: $0 [check | stop|start ferretdb|postgres DIR]" >&2
		exit 2
		;;
	esac
	exit
fi

cd "$(dirname "$0")/.."
root=$PWD
self="$root/scripts/test-external.sh"
find_pgbin || exit 1

dir=$(mktemp -d "${TMPDIR:-/tmp}/expertenrunde-external.XXXXXX")
cleanup() {
	local status=$?
	trap - EXIT INT TERM
	kill -CONT "$(cat "$dir/ferretdb.pid" 2>/dev/null)" 2>/dev/null || true
	ferretdb_stop "$dir" || true
	if [ -f "$dir/pg/data/postmaster.pid" ]; then
		as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "$pgbin" >"$dir/pgbin"
mkdir "$dir/pg"
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$dir"
	chown nobody: "$dir/pg"
fi

# Built once: the restart test runs three times.
echo "test-external: building the FerretDB server and the test binaries (go test -race -c)"
"$GO" build -o "$dir/ferretdb-pg" ./internal/store/cmd/ferretdb-pg
"$GO" test -race -c -o "$dir/store.test" ./internal/store/
"$GO" test -race -c -o "$dir/cmd.test" ./cmd/expertenrunde/

echo "test-external: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') in $dir/pg"
as_pg "$pgbin/initdb" -D "$dir/pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
	cat "$dir/initdb.log" >&2
	exit 1
}
pg_start "$dir" || {
	tail -20 "$dir/pg/log" >&2
	exit 1
}
ferretdb_start "$dir" 127.0.0.1:0
uri=$(cat "$dir/uri")
echo "test-external: FerretDB on PostgreSQL at $uri"

failed=()
suite() {
	local name=$1 start=$SECONDS
	shift
	echo "test-external: $name"
	if "$@"; then
		echo "test-external: $name: ok ($((SECONDS - start)) s)"
	else
		echo "test-external: $name: FAILED ($((SECONDS - start)) s)"
		failed+=("$name")
	fi
}
# gotest DIR [VAR=VALUE...] BINARY ARGS...: runs a test binary with env in
# its package's directory, as go test does.
gotest() {
	local pkg=$1
	shift
	(cd "$root/$pkg" && env "$@" -test.count=1 -test.timeout=10m)
}
export MONGODB_TEST_URI=$uri
suite "store contract suite" \
	gotest internal/store "$dir/store.test" -test.run '^TestContractMongoDB$'
suite "load test; FerretDB restart" \
	gotest cmd/expertenrunde MONGODB_TEST_STOP="'$self' stop ferretdb '$dir'" MONGODB_TEST_START="'$self' start ferretdb '$dir'" \
	"$dir/cmd.test" -test.v -test.run '^(TestLoadtestCommandExternal|TestExternalDatabaseRestart)$'
suite "PostgreSQL restart" \
	gotest cmd/expertenrunde MONGODB_TEST_STOP="'$self' stop postgres '$dir'" MONGODB_TEST_START="'$self' start postgres '$dir'" \
	"$dir/cmd.test" -test.v -test.run '^TestExternalDatabaseRestart$'
suite "FerretDB frozen (SIGSTOP)" \
	gotest cmd/expertenrunde MONGODB_TEST_STOP="'$self' freeze ferretdb '$dir'" MONGODB_TEST_START="'$self' thaw ferretdb '$dir'" \
	"$dir/cmd.test" -test.v -test.run '^TestExternalDatabaseRestart$'

if [ ${#failed[@]} -gt 0 ]; then
	echo "test-external: FAILED: ${failed[*]}"
	exit 1
fi
echo "test-external: all passed ($SECONDS s)"
