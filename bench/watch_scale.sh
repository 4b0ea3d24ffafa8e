#!/usr/bin/env bash
# Scale benchmark of `domwatch watch run` against the lab (see BENCHMARKS.md, "## watch").
#
# Generates a lab scenario with N watched .com names (default 10,000; bench/gen_watch_scenario.py),
# starts the lab on loopback, imports the names and times:
#   1. a first pass (every name snapshotted and stored, no previous snapshot),
#   2. a second pass (snapshot, store, diff against the first, findings),
#   with the RDAP politeness lifted (the lab is our own server; its rate limit set very high),
#   0. baseline: a plain client (Python threads, 64 at once) fetching each name's registry RDAP
#      record once (one of the ~15 queries a snapshot makes), i.e. what the lab itself serves,
#   3. a politeness-bound pass over the first P names (default 100) with the default per-server
#      limits (2 requests at once, 250 ms apart per RDAP server), to show what bounds a real run.
#
# Usage: bench/watch_scale.sh [N] [P]      (DOMWATCH=path/to/domwatch to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
P=${2:-100}
if [ -z "${DOMWATCH:-}" ]; then
  cargo build --release -p domwatch >&2
  DOMWATCH=target/release/domwatch
fi
WORK=$(mktemp -d)
LAB_PID=
cleanup() {
  if [ -n "$LAB_PID" ]; then kill "$LAB_PID" 2>/dev/null || true; wait "$LAB_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

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
D=("$DOMWATCH" --config "$WORK/lab.toml" --db "$WORK/watch.db" --no-progress)
"${D[@]}" watch add --file "$WORK/names.txt"

CONTROL=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['control'])" "$WORK/lab.out")
/usr/bin/time -f "baseline: %e s wall for $N registry RDAP GETs by a plain client" python3 -c "
import sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
base, names = sys.argv[1], open(sys.argv[2]).read().split()
def get(n):
    with urllib.request.urlopen(f'{base}/rdap/verisign/domain/{n}', timeout=30) as r:
        return r.status
codes = list(ThreadPoolExecutor(64).map(get, names))
assert all(c == 200 for c in codes), 'not every name answered 200'
" "$CONTROL" "$WORK/names.txt"

FAST=(--concurrency 64 --rdap-per-host 16 --rdap-interval-ms 0 --format json)
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for pass in 1 2; do
  /usr/bin/time -f "pass $pass: %e s wall, %U s user, %S s sys, %M KiB max RSS" \
    "${D[@]}" watch run "${FAST[@]}" > "$WORK/pass$pass.json"
  python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))['run']
print(f\"  observed {r['observed']} of {r['names']}, incomplete {r['incomplete']}, changes {r['changes']}\")" "$WORK/pass$pass.json"
done
echo "store: $(du -h "$WORK/watch.db" | cut -f1) for $((2 * N)) snapshots"

# Politeness-bound pass: the default per-server limits, on the first P names.
head -n "$P" "$WORK/names.txt" > "$WORK/few.txt"
S=("$DOMWATCH" --config "$WORK/lab.toml" --db "$WORK/few.db" --no-progress)
"${S[@]}" watch add --file "$WORK/few.txt" > /dev/null
/usr/bin/time -f "default politeness, $P names: %e s wall" \
  "${S[@]}" watch run --concurrency 64 --format json > /dev/null
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
