#!/usr/bin/env bash
# Benchmark of the lab clock on a large scenario (see BENCHMARKS.md, "## lab advance").
#
# Generates a scenario with N extra domains (default 33,000; bench/gen_audit_scenario.py), starts
# the lab, and times: the start (until the configuration is written), `lab advance` by 1 day,
# by 30 days and by 365 days (the work is proportional to the events due, not to the days times
# the domains), and how long the lab takes to stop after SIGTERM.
#
# Usage: bench/lab_advance.sh [N]      (DOMWATCH=path/to/domwatch to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-33000}
if [ -z "${DOMWATCH:-}" ]; then
  cargo build --release -p domwatch >&2
  DOMWATCH=${CARGO_TARGET_DIR:-target}/release/domwatch
fi
WORK=$(mktemp -d)
LAB_PID=
cleanup() {
  if [ -n "$LAB_PID" ]; then kill "$LAB_PID" 2>/dev/null || true; wait "$LAB_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }

"$DOMWATCH" lab show default | python3 bench/gen_audit_scenario.py --names "$N" > "$WORK/big.toml"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $(grep -c '^\[\[domain\]\]' "$WORK/big.toml") domains"
T=$(now)
"$DOMWATCH" lab --scenario "$WORK/big.toml" --config-out "$WORK/lab.toml" \
  > "$WORK/lab.out" 2> "$WORK/lab.err" &
LAB_PID=$!
for _ in $(seq 1 3000); do
  [ -s "$WORK/lab.out" ] && break
  sleep 0.05
done
[ -s "$WORK/lab.out" ] || { cat "$WORK/lab.err" >&2; echo "the lab did not start" >&2; exit 1; }
echo "start: $(since "$T") s"
for days in 1 30 365; do
  T=$(now)
  "$DOMWATCH" --config "$WORK/lab.toml" lab advance --days "$days" > "$WORK/adv.out"
  echo "advance --days $days: $(since "$T") s"
done
T=$(now)
kill -TERM "$LAB_PID"
wait "$LAB_PID" 2>/dev/null || true
LAB_PID=
echo "stop after SIGTERM: $(since "$T") s"
