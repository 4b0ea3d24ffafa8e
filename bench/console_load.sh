#!/usr/bin/env bash
# Load benchmark of the team console, `domwatch serve` (see BENCHMARKS.md, "## serve").
#
# A store made by the release binary (`user add`, `token create`, `watch add --file` with NAMES
# generated names), then FINDINGS findings written straight into its `finding` table with
# python3's sqlite3 (the schema of crates/store/src/migrations.rs; 10 per name, four in five
# open, severities and codes mixed, first_seen spread over a year). `serve` on a free port, then
# wrk (2 threads, CONNS connections, DURATION each, --timeout 30s --latency) with a bearer token against:
#   0. baseline: /static/style.css (the static file, same server, same middleware),
#   1. /api/v1/cases (no case in the store: what checking a bearer token costs),
#   2. /api/v1/findings?limit=100 (the first page of the open findings),
#   3. / (the overview page; pages take a bearer token too).
# Prints requests/s, p50 and p99 for each and the ratios against the baseline.
#
# Usage: bench/console_load.sh [DURATION]   (default 30s; DOMWATCH=path/to/domwatch skips the
#        build; NAMES=10000 FINDINGS=100000 CONNS=16)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30s}
NAMES=${NAMES:-10000}
FINDINGS=${FINDINGS:-100000}
CONNS=${CONNS:-16}
if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian's)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2
fi
if [ -z "${DOMWATCH:-}" ]; then
  cargo build --release -p domwatch >&2
  DOMWATCH=${CARGO_TARGET_DIR:-target}/release/domwatch
fi
WORK=$(mktemp -d)
SERVE_PID=
cleanup() {
  if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

DB="$WORK/console.db"
D=("$DOMWATCH" --db "$DB" --no-progress)
printf 'a long bench password\n' | "${D[@]}" user add bench --role viewer --password-stdin >/dev/null
TOKEN=$("${D[@]}" token create --user bench --name wrk)
python3 -c "
import sys
for i in range(int(sys.argv[1])): print(f'load-{i:05d}.com')" "$NAMES" > "$WORK/names.txt"
"${D[@]}" watch add --file "$WORK/names.txt" --owner security@example.com >/dev/null

python3 - "$DB" "$NAMES" "$FINDINGS" <<'EOF'
import sqlite3, sys, datetime, random
db, names, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(12)
kinds = [
    ("state", "expiring", "high", "The registration expires in 3 days",
     "Renew it now; turn on auto-renew at the registrar."),
    ("state", "no-registrar-lock", "medium", "No registrar lock (clientTransferProhibited)",
     "Ask the registrar for clientTransferProhibited."),
    ("state", "lame-delegation", "high", "Nameserver ns1.example.net does not answer authoritatively",
     "Fix or remove the name server at the parent."),
    ("change", "ns-changed", "critical", "The delegation changed",
     "Confirm the change with the owner; if unexpected, treat it as a hijack."),
    ("state", "no-caa", "low", "No CAA record", "Publish CAA for your certificate authorities."),
    ("state", "dnssec-missing", "info", "The zone is not signed", "Sign the zone (DNSSEC)."),
]
start = datetime.datetime(2025, 12, 1, tzinfo=datetime.timezone.utc)
def ts(t): return t.strftime('%Y-%m-%dT%H:%M:%S.') + f'{t.microsecond // 1000:03d}Z'
rows = []
for i in range(total):
    name = f'load-{i % names:05d}.com'
    origin, code, sev, title, rem = kinds[i % len(kinds)]
    first = start + datetime.timedelta(seconds=rng.randrange(365 * 86400))
    last = first + datetime.timedelta(days=rng.randrange(30))
    resolved = ts(last) if rng.random() < 0.2 else None
    rows.append((f'bench:{i}', name, origin, code, sev, title,
                 f'{title} (detail {i})', rem, f'{name}/{i // names}', ts(first), ts(last), resolved))
con = sqlite3.connect(db)
con.executemany(
    "INSERT INTO finding (fingerprint, domain, origin, code, severity, title, detail, remediation,"
    " subject, first_seen, last_seen, resolved_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
con.commit()
open_ = con.execute("SELECT count(*) FROM finding WHERE resolved_at IS NULL").fetchone()[0]
print(f'store: {names} watched names, {total} findings ({open_} open)', file=sys.stderr)
con.close()
EOF

"${D[@]}" serve --listen 127.0.0.1:0 > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVE_PID=$!
BASE=
for _ in $(seq 1 300); do
  BASE=$(sed -n 's|^domwatch console on \(http://[^/ ]*\)/.*|\1|p' "$WORK/serve.err")
  [ -n "$BASE" ] && break
  sleep 0.1
done
[ -n "$BASE" ] || { cat "$WORK/serve.err" >&2; echo "serve did not start" >&2; exit 1; }
AUTH="Authorization: Bearer $TOKEN"
for path in /static/style.css /api/v1/cases "/api/v1/findings?limit=100" /; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$BASE$path")
  [ "$code" = 200 ] || { echo "$path answers $code, not 200" >&2; exit 1; }
done

# wrk's latency with its unit -> milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
declare -A RPS P50 P99 ERR
for what in static token findings overview; do
  case $what in
    static) path=/static/style.css ;;
    token) path=/api/v1/cases ;;
    findings) path="/api/v1/findings?limit=100" ;;
    overview) path=/ ;;
  esac
  wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 30s --latency -H "$AUTH" "$BASE$path" > "$WORK/$what.wrk"
  RPS[$what]=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/$what.wrk")
  P50[$what]=$(ms "$(awk '$1 == "50%" { print $2 }' "$WORK/$what.wrk")")
  P99[$what]=$(ms "$(awk '$1 == "99%" { print $2 }' "$WORK/$what.wrk")")
  ERR[$what]=$(awk '/Non-2xx/ { print $NF } /Socket errors/ { print }' "$WORK/$what.wrk" | tr '\n' ' ')
  echo "$what ($path): ${RPS[$what]} requests/s, p50 ${P50[$what]} ms, p99 ${P99[$what]} ms ${ERR[$what]}" >&2
done
echo
echo "| what | requests/s | p50 | p99 | requests/s vs static | p99 vs static |"
echo "|---|---|---|---|---|---|"
for what in static token findings overview; do
  awk -v w="$what" -v r="${RPS[$what]}" -v p5="${P50[$what]}" -v p9="${P99[$what]}" \
      -v r0="${RPS[static]}" -v p0="${P99[static]}" \
      'BEGIN { printf "| %s | %.0f | %.2f ms | %.2f ms | %.3g | %.3g |\n", w, r, p5, p9, r / r0, p9 / p0 }'
done
echo
echo "wrk -t2 -c$CONNS -d$DURATION --timeout 30s --latency; $NAMES names, $FINDINGS findings; $(date -u +%Y-%m-%dT%H:%MZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
