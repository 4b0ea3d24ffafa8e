#!/usr/bin/env bash
# Distributed watch passes against the lab (see BENCHMARKS.md, "## watch workers").
#
# A lab scenario with N generated .com names (bench/gen_watch_scenario.py, RDAP limits lifted),
# the names imported into a throwaway PostgreSQL database and into SQLite, then timed passes:
#   0. baseline: one `watch run` process on SQLite (the embedded default),
#   1. `watch run --distribute` + W `watch worker` processes on PostgreSQL, for each W in WORKERS
#      (default "1 2 4"), each worker with its own --concurrency C (default 32, so the total
#      grows with W); the pass is timed from its creation until every worker has exited.
# Prints wall time, names/s and requests/s (a snapshot is ~25 requests: see "## watch") per
# row and the ratio against the SQLite baseline.
#
# PostgreSQL: DOMWATCH_TEST_PG (an admin URL, as the tests use) when set, else .ci/pg-start
# starts one (Debian's postgresql, initdb in a temporary folder) and it is stopped at the end.
#
# Usage: bench/workers_scale.sh [N]   (default 10000; DOMWATCH=path/to/domwatch skips the build;
#        WORKERS="1 2 4" C=32)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
WORKERS=${WORKERS:-"1 2 4"}
C=${C:-32}
if [ -z "${DOMWATCH:-}" ]; then
  cargo build --release -p domwatch >&2
  DOMWATCH=${CARGO_TARGET_DIR:-target}/release/domwatch
fi
WORK=$(mktemp -d)
LAB_PID=
OWN_PG=
cleanup() {
  if [ -n "$LAB_PID" ]; then kill "$LAB_PID" 2>/dev/null || true; wait "$LAB_PID" 2>/dev/null || true; fi
  if [ -n "$OWN_PG" ]; then .ci/pg-stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
if [ -z "${DOMWATCH_TEST_PG:-}" ]; then
  eval "$(.ci/pg-start)"
  OWN_PG=1
fi

"$DOMWATCH" lab show default \
  | python3 bench/gen_watch_scenario.py --names "$N" --rdap-limit 1000000 > "$WORK/scale.toml"
"$DOMWATCH" lab --scenario "$WORK/scale.toml" --config-out "$WORK/lab.toml" \
  > "$WORK/lab.out" 2> "$WORK/lab.err" &
LAB_PID=$!
for _ in $(seq 1 300); do
  [ -s "$WORK/lab.out" ] && break
  sleep 0.2
done
[ -s "$WORK/lab.out" ] || { cat "$WORK/lab.err" >&2; echo "the lab did not start" >&2; exit 1; }
python3 -c "
import sys
for i in range(int(sys.argv[1])): print(f'scale-{i:05d}.com')" "$N" > "$WORK/names.txt"

FAST=(--concurrency "$C" --rdap-per-host 64 --rdap-interval-ms 0 --format json)
now() { python3 -c 'import time; print(time.time())'; }
row() { # label seconds
  python3 -c "
import sys
label, s, n, base = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ratio = '1' if base == '-' else f'{float(base) / s:.2f}'
print(f'| {label} | {s:.1f} s | {n / s:.0f} | {25 * n / s:.0f} | {ratio} |')" "$1" "$2" "$N" "$3"
}
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%RZ)"
echo "| what | wall | names/s | requests/s (~25 per name) | speed vs SQLite |"
echo "|---|---|---|---|---|"

# 0. SQLite, one process.
S=("$DOMWATCH" --config "$WORK/lab.toml" --db "$WORK/watch.db" --no-progress)
"${S[@]}" watch add --file "$WORK/names.txt" > /dev/null
t0=$(now)
"${S[@]}" watch run "${FAST[@]}" > "$WORK/sqlite.json"
t1=$(now)
BASE=$(python3 -c "print($t1 - $t0)")
python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))['run']
assert r['observed'] == int(sys.argv[2]), r" "$WORK/sqlite.json" "$N"
row "SQLite, \`watch run\`, 1 process, concurrency $C" "$BASE" -

# 1. PostgreSQL, W workers.
ADMIN=$DOMWATCH_TEST_PG
BASEURL=${ADMIN%/*}
for W in $WORKERS; do
  DBN="bench_workers_${W}_$$"
  psql "$ADMIN" -qc "CREATE DATABASE $DBN"
  P=("$DOMWATCH" --config "$WORK/lab.toml" --db "$BASEURL/$DBN" --no-progress)
  "${P[@]}" watch add --file "$WORK/names.txt" > /dev/null
  t0=$(now)
  "${P[@]}" watch run --distribute --format json > /dev/null
  pids=()
  for i in $(seq 1 "$W"); do
    "${P[@]}" watch worker --id "w$i" "${FAST[@]}" > "$WORK/w$W-$i.json" 2> "$WORK/w$W-$i.err" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || { cat "$WORK"/w$W-*.err >&2; exit 1; }; done
  t1=$(now)
  "${P[@]}" watch status --format json > "$WORK/status$W.json"
  python3 -c "
import json, sys
s = json.load(open(sys.argv[1]))
done = s.get('done', s.get('progress', {}).get('done'))
assert done in (None, int(sys.argv[2])), s" "$WORK/status$W.json" "$N"
  row "PostgreSQL, \`watch worker\` x $W, concurrency $C each" "$(python3 -c "print($t1 - $t0)")" "$BASE"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
