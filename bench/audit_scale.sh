#!/usr/bin/env bash
# Benchmark of `domwatch audit` against the lab (see BENCHMARKS.md, "## audit").
#
# Generates a lab scenario with N audited .com names (default 1,000; bench/gen_audit_scenario.py),
# each with ~10 outside references (2 NS, MX, SPF include, DMARC report domain, www CNAME, SOA,
# the TLD's WHOIS server, the RIR contacts of its address) to shared third parties, starts the lab
# on loopback and times, on the same names with the same politeness settings:
#   0. baseline: `inspect` of the N names (a snapshot each: registration + delegation + records),
#   1. `audit` of the N names (the snapshots, then one registration lookup per distinct
#      referenced registrable domain, one RIR lookup per network, takeover checks).
#
# Usage: bench/audit_scale.sh [N]      (DOMWATCH=path/to/domwatch to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
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

"$DOMWATCH" lab show default | python3 bench/gen_audit_scenario.py --names "$N" > "$WORK/audit.toml"
"$DOMWATCH" lab --scenario "$WORK/audit.toml" --config-out "$WORK/lab.toml" \
  > "$WORK/lab.out" 2> "$WORK/lab.err" &
LAB_PID=$!
for _ in $(seq 1 300); do
  [ -s "$WORK/lab.out" ] && break
  sleep 0.2
done
[ -s "$WORK/lab.out" ] || { cat "$WORK/lab.err" >&2; echo "the lab did not start" >&2; exit 1; }

python3 -c "
import sys
for i in range(int(sys.argv[1])): print(f'audit-{i:05d}.com')" "$N" > "$WORK/names.txt"
D=("$DOMWATCH" --config "$WORK/lab.toml" --no-progress)
# The lab counts the requests it receives (GET /requests); the difference around a run is what
# the run cost the servers.
requests() {
  python3 - "$WORK/lab.toml" <<'PY'
import json, sys, tomllib, urllib.request
base = tomllib.load(open(sys.argv[1], "rb"))["lab_control"]
print(json.dumps(json.load(urllib.request.urlopen(base + "/requests"))))
PY
}
per_name() {  # before after label
  python3 - "$1" "$2" "$3" "$N" <<'PY'
import json, sys
a, b, label, n = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3], int(sys.argv[4])
d = {k: b[k] - a[k] for k in b}
print(f"  {label} requests: " + ", ".join(f"{k} {v} ({v / n:.1f}/name)" for k, v in d.items()))
PY
}
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
R0=$(requests)
# shellcheck disable=SC2046
/usr/bin/time -f "inspect (baseline): %e s wall, %U s user, %M KiB max RSS" \
  "${D[@]}" inspect --format json $(cat "$WORK/names.txt") > "$WORK/inspect.json" || true
R1=$(requests)
per_name "$R0" "$R1" inspect
/usr/bin/time -f "audit: %e s wall, %U s user, %M KiB max RSS" \
  "${D[@]}" audit --file "$WORK/names.txt" --format json > "$WORK/audit.json" || true
R2=$(requests)
per_name "$R1" "$R2" audit
python3 - "$WORK/audit.json" <<'PY'
import collections, json, sys
r = json.load(open(sys.argv[1]))
refs = sum(len(a["references"]) for a in r)
codes = collections.Counter(f["code"] for a in r for f in a["findings"])
regs = {x["target"].split(".", x["target"].count(".") - 1)[-1] for a in r for x in a["references"]}
print(f"  {len(r)} names, {refs / max(len(r), 1):.1f} references per name, "
      f"~{len(regs)} distinct referenced registrable domains (each looked up once)")
print("  findings:", dict(codes.most_common()))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
