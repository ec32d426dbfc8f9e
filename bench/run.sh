#!/usr/bin/env bash
# Load benchmark: esguard side by side with a bare fasthttp proxy, nginx and the backend
# itself, all in one run, so that the ratios between them hold even on a noisy machine.
# See bench/README.md. Usage: bench/run.sh   (env: DURATION, SCENARIOS, OUT)
set -euo pipefail

DURATION=${DURATION:-10s}
SCENARIOS=${SCENARIOS:-small-search,large-search,bulk,apikey,jwt,one-connection}
OUT=${OUT:-}
BASE_PORT=${BASE_PORT:-19200}
ROUNDS=${ROUNDS:-1}
RETRIES=${RETRIES:-2}
OTHER_LOAD_MAX=${OTHER_LOAD_MAX:-20}
QUIET_WAIT=${QUIET_WAIT:-60}
KEEP_TMP=${KEEP_TMP:-0}
WARMUP=2s
ALL_SCENARIOS=(small-search large-search bulk apikey jwt one-connection)
TARGETS=(direct bare nginx esguard)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'bench: %s\n' "$*" >&2
  exit 1
}

# --- arguments ---------------------------------------------------------------------------

[[ $DURATION =~ ^[0-9]+[smh]?$ ]] || die "DURATION must look like 10s, 1m or 30 (got '$DURATION')"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive number (got '$ROUNDS')"
[[ $RETRIES =~ ^[0-9]+$ ]] || die "RETRIES must be a number (got '$RETRIES')"
[[ $OTHER_LOAD_MAX =~ ^[0-9]+$ ]] || die "OTHER_LOAD_MAX must be a percentage (got '$OTHER_LOAD_MAX')"
[[ $QUIET_WAIT =~ ^[0-9]+$ ]] || die "QUIET_WAIT must be a number of seconds (got '$QUIET_WAIT')"
[[ -z $OUT || $OUT == /* ]] || OUT="$PWD/$OUT"
IFS=, read -r -a WANT <<<"$SCENARIOS"
for s in "${WANT[@]}"; do
  [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || die "unknown scenario '$s' (known: ${ALL_SCENARIOS[*]})"
done
wanted() { [[ ",$SCENARIOS," == *",$1,"* ]]; }

NPROC=$(nproc)
((NPROC >= 2)) || die "needs at least 2 cores (nproc is $NPROC)"

# --- tools -------------------------------------------------------------------------------

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
command -v taskset >/dev/null || need+=(util-linux)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
if ((${#need[@]})); then
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  log "installing ${need[*]} with apt-get"
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v go >/dev/null || die "go is not on PATH"
NGINX=$(command -v nginx)
CLK_TCK=$(getconf CLK_TCK)

# --- CPU pinning -------------------------------------------------------------------------
# The proxy under test always runs alone on CPU 0. On 2 cores wrk and the backend share
# CPU 1; with more, the backend gets CPU 1 and wrk the rest.

PROXY_CPU=0
BACKEND_CPU=1
if ((NPROC == 2)); then
  WRK_CPUS=1
  WRK_THREADS=1
  PINNING="proxy under test on CPU 0; wrk and backend share CPU 1"
else
  WRK_CPUS="2-$((NPROC - 1))"
  WRK_THREADS=$((NPROC - 2 > 16 ? 16 : NPROC - 2))
  PINNING="proxy under test on CPU 0; backend on CPU 1; wrk ($WRK_THREADS threads) on CPUs $WRK_CPUS"
fi

# --- work directory and processes ----------------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/esguard-bench.XXXXXX")
mkdir -p "$TMP"/{bin,logs,esguard,audit,nginx/tmp,wrk}
PIDS=()
cleanup() {
  local rc=$?
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if ((rc != 0)) || [[ $KEEP_TMP == 1 ]]; then
    log "logs and configuration kept in $TMP"
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT

BACKEND_PORT=$BASE_PORT
BARE_PORT=$((BASE_PORT + 1))
NGINX_PORT=$((BASE_PORT + 2))
ESGUARD_PORT=$((BASE_PORT + 3))
ADMIN_PORT=$((BASE_PORT + 4))
for port in "$BACKEND_PORT" "$BARE_PORT" "$NGINX_PORT" "$ESGUARD_PORT" "$ADMIN_PORT"; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use (set BASE_PORT to move the five ports $BASE_PORT-$ADMIN_PORT)"
  fi
done

# --- build ---------------------------------------------------------------------------------

log "building esguard and the benchmark programs"
(
  cd "$ROOT"
  go build -o "$TMP/bin/esguard" ./cmd/esguard
  go build -o "$TMP/bin/" ./bench/backend ./bench/bareproxy ./bench/jwtsign
)
BIN=$TMP/bin
ESGUARD_REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)

# --- credentials -------------------------------------------------------------------------

BENCH_USER=bench
PASSWORD=$(openssl rand -hex 16)
BASIC="Basic $(printf '%s:%s' "$BENCH_USER" "$PASSWORD" | base64 -w0)"
WRONG_BASIC="Basic $(printf '%s:%s' "$BENCH_USER" wrong-password | base64 -w0)"
APIKEY_ID=bench-key-1
APIKEY_SECRET=$(openssl rand -hex 16)
APIKEY="ApiKey $(printf '%s:%s' "$APIKEY_ID" "$APIKEY_SECRET" | base64 -w0)"
JWT_ISSUER=https://idp.bench.invalid
JWT_AUDIENCE=esguard
JWT_GROUP=bench-readers

log "hashing passwords and signing the JWT"
PASSWORD_HASH=$(printf '%s' "$PASSWORD" | "$BIN/esguard" hash-password)
APIKEY_HASH=$(printf '%s' "$APIKEY_SECRET" | "$BIN/esguard" hash-password)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/esguard/jwt-private.pem" 2>/dev/null
openssl pkey -in "$TMP/esguard/jwt-private.pem" -pubout -out "$TMP/esguard/jwt-public.pem"
TOKEN=$("$BIN/jwtsign" -key "$TMP/esguard/jwt-private.pem" -kid bench-1 -issuer "$JWT_ISSUER" \
  -audience "$JWT_AUDIENCE" -subject "$BENCH_USER" -groups "$JWT_GROUP" -ttl 24h)
BEARER="Bearer $TOKEN"

# --- esguard configuration -----------------------------------------------------------------
# 10 roles of 20 index patterns each (prefix wildcards, exact names, /regex/); the
# benchmark user holds 3 of them: bench_role_03 reads logs-2026.*, bench_role_06 writes
# the same daily indices through a regex, bench_role_09 reads large-1.

write_roles() {
  local r rn a b
  for r in $(seq 1 10); do
    rn=$(printf '%02d' "$r")
    printf 'bench_role_%s:\n  cluster: [monitor]\n  indices:\n' "$rn"
    # 12 prefix wildcards
    printf '    - names: ['
    if ((r == 3)); then printf '"logs-2026.*"'; else printf '"logs-app%d-*"' "$r"; fi
    for a in $(seq 2 12); do printf ', "team%s-svc%d-*"' "$rn" "$a"; done
    printf ']\n      privileges: [read, view_index_metadata]\n'
    # 5 exact names
    printf '    - names: ['
    if ((r == 9)); then printf '"large-1"'; else printf '"metrics-2026.01.%02d"' "$r"; fi
    for b in $(seq 2 5); do printf ', "team%s-archive-%d"' "$rn" "$b"; done
    printf ']\n      privileges: [read, monitor]\n'
    # 3 Lucene regular expressions: two read, one write
    printf "    - names: ['/team%s-audit-[0-9]{4}\\\\.[0-9]{2}/', '/app%s-(prod|stage)-[a-z]+/']\n" "$rn" "$rn"
    printf '      privileges: [read]\n'
    if ((r == 6)); then
      printf "    - names: ['/logs-2026\\\\.0[1-4]\\\\.[0-9]{2}/']\n      privileges: [write]\n"
    else
      printf "    - names: ['/tmp-%s-[0-9]+/']\n      privileges: [write]\n" "$rn"
    fi
  done
}
write_roles >"$TMP/esguard/roles.yml"

{
  printf '%s:\n  password_hash: "%s"\n  roles: [bench_role_03, bench_role_06, bench_role_09]\n' "$BENCH_USER" "$PASSWORD_HASH"
  for r in $(seq 1 9); do
    printf 'user%02d:\n  password_hash: "%s"\n  roles: [bench_role_%02d, bench_role_%02d]\n' \
      "$r" "$PASSWORD_HASH" "$r" "$((r + 1))"
  done
} >"$TMP/esguard/users.yml"

cat >"$TMP/esguard/api_keys.yml" <<EOF
- id: $APIKEY_ID
  name: bench-reader
  owner: $BENCH_USER
  key_hash: "$APIKEY_HASH"
  role_descriptors:
    reader:
      indices:
        - names: ["logs-*", "large-*"]
          privileges: [read]
EOF

cat >"$TMP/esguard/esguard.yml" <<EOF
listen: 127.0.0.1:$ESGUARD_PORT
admin_listen: 127.0.0.1:$ADMIN_PORT
upstream:
  nodes: [http://127.0.0.1:$BACKEND_PORT]
roles: [roles.yml]
users: users.yml
api_keys: api_keys.yml
authentication:
  order: [basic, api_key, jwt]
  jwt:
    - name: bench-idp
      issuer: $JWT_ISSUER
      audiences: [$JWT_AUDIENCE]
      algorithms: [RS256]
      public_keys: [{kid: bench-1, pem_file: jwt-public.pem}]
      claims: {principal: sub, groups: groups}
role_mapping:
  - name: bench-readers
    roles: [bench_role_03, bench_role_06, bench_role_09]
    groups: [$JWT_GROUP]
audit:
  file: $TMP/audit/audit.log
log: {level: warn}
EOF

log "checking the esguard configuration"
if ! problems=$("$BIN/esguard" validate --config "$TMP/esguard/esguard.yml" 2>&1) || [[ -n $problems ]]; then
  printf '%s\n' "$problems" >&2
  die "esguard validate reported problems with the generated configuration"
fi
patterns=$(grep -o "names: \[.*\]" "$TMP/esguard/roles.yml" | tr ',' '\n' | grep -c .)
((patterns == 200)) || die "roles.yml holds $patterns index patterns, want 200"

# --- nginx configuration -------------------------------------------------------------------

printf '%s:{SHA}%s\n' "$BENCH_USER" "$(printf '%s' "$PASSWORD" | openssl dgst -sha1 -binary | base64)" \
  >"$TMP/nginx/htpasswd"
nginx_user=""
((EUID == 0)) && nginx_user="user root;"
cat >"$TMP/nginx/nginx.conf" <<EOF
$nginx_user
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  client_body_temp_path $TMP/nginx/tmp/body;
  proxy_temp_path $TMP/nginx/tmp/proxy;
  fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
  uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
  scgi_temp_path $TMP/nginx/tmp/scgi;
  keepalive_requests 1000000;
  client_max_body_size 100m;
  client_body_buffer_size 1m;     # bulk bodies stay in memory
  proxy_buffer_size 16k;
  proxy_buffers 16 16k;           # 64 KB responses stay in memory
  upstream backend {
    server 127.0.0.1:$BACKEND_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    auth_basic "bench";
    auth_basic_user_file $TMP/nginx/htpasswd;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
"$NGINX" -t -q -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" ||
  die "nginx rejected the generated configuration ($TMP/nginx/nginx.conf)"

# --- bulk body -------------------------------------------------------------------------------
# 500 index items with ids, round robin over five daily logs indices, about 100 KB.

BULK_BODY=$TMP/bulk.ndjson
BULK_ITEMS=500
awk -v n="$BULK_ITEMS" 'BEGIN {
  pad = sprintf("%96s", ""); gsub(/ /, "x", pad)
  for (i = 0; i < n; i++) {
    printf "{\"index\":{\"_index\":\"logs-2026.01.%02d\",\"_id\":\"bench-%d\"}}\n", i % 5 + 1, i
    printf "{\"@timestamp\":\"2026-01-01T00:%02d:%02dZ\",\"host\":\"web-%02d\",\"level\":\"info\",\"message\":\"GET /api/v1/orders/%d 200\",\"bytes\":%d,\"trace\":\"%s\"}\n", int(i / 60) % 60, i % 60, i % 16, i, 1000 + i, pad
  }
}' >"$BULK_BODY"

# --- start the targets -----------------------------------------------------------------------

start() { # name cpu command...
  local name=$1 cpu=$2
  shift 2
  taskset -c "$cpu" "$@" >"$TMP/logs/$name.log" 2>&1 &
  PIDS+=($!)
}

wait_status() { # url want [header]
  local url=$1 want=$2 header=${3:-X-Bench: 1} i code
  for i in $(seq 1 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "$header" "$url" || true)
    [[ $code == "$want" ]] && return 0
    for pid in "${PIDS[@]}"; do
      kill -0 "$pid" 2>/dev/null || die "a target exited during start-up; see $TMP/logs"
    done
    sleep 0.2
  done
  die "$url did not answer $want (last: $code); see $TMP/logs"
}

log "starting the backend, the bare proxy, nginx and esguard"
start backend "$BACKEND_CPU" "$BIN/backend" -listen "127.0.0.1:$BACKEND_PORT"
BACKEND_PID=${PIDS[-1]}
wait_status "http://127.0.0.1:$BACKEND_PORT/" 200
start bareproxy "$PROXY_CPU" "$BIN/bareproxy" -listen "127.0.0.1:$BARE_PORT" \
  -backend "127.0.0.1:$BACKEND_PORT" -user "$BENCH_USER" -password "$PASSWORD"
BARE_PID=${PIDS[-1]}
start nginx "$PROXY_CPU" "$NGINX" -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" -g 'daemon off;'
NGINX_PID=${PIDS[-1]}
start esguard "$PROXY_CPU" "$BIN/esguard" serve --config "$TMP/esguard/esguard.yml"
ESGUARD_PID=${PIDS[-1]}

wait_status "http://127.0.0.1:$BARE_PORT/" 200 "Authorization: $BASIC"
wait_status "http://127.0.0.1:$NGINX_PORT/" 200 "Authorization: $BASIC"
wait_status "http://127.0.0.1:$ADMIN_PORT/readyz" 200

children_of() { # pid: its child processes
  local f stat
  for f in /proc/[0-9]*/stat; do
    stat=$(cat "$f" 2>/dev/null) || continue
    stat=${stat##*) }
    read -r _ ppid _ <<<"$stat"
    [[ $ppid == "$1" ]] && basename "$(dirname "$f")"
  done
  return 0
}
NGINX_WORKERS=$(children_of "$NGINX_PID" | tr '\n' ' ')
[[ -n $NGINX_WORKERS ]] || die "no nginx worker process found"

target_port() {
  case $1 in
    direct) echo "$BACKEND_PORT" ;;
    bare) echo "$BARE_PORT" ;;
    nginx) echo "$NGINX_PORT" ;;
    esguard) echo "$ESGUARD_PORT" ;;
  esac
}
target_pids() { # the processes whose CPU time and memory count for a target
  case $1 in
    direct) echo "$BACKEND_PID" ;;
    bare) echo "$BARE_PID" ;;
    nginx) echo "$NGINX_PID $NGINX_WORKERS" ;;
    esguard) echo "$ESGUARD_PID" ;;
  esac
}

# --- scenarios -------------------------------------------------------------------------------

SMALL_PATH=/logs-2026.01.01/_search
LARGE_PATH=/large-1/_search
scenario_targets() {
  case $1 in
    apikey | jwt) echo "direct esguard" ;;
    *) echo "${TARGETS[*]}" ;;
  esac
}
scenario_auth() {
  case $1 in
    apikey) echo "$APIKEY" ;;
    jwt) echo "$BEARER" ;;
    *) echo "$BASIC" ;;
  esac
}
scenario_path() {
  case $1 in
    large-search) echo "$LARGE_PATH" ;;
    bulk) echo /_bulk ;;
    *) echo "$SMALL_PATH" ;;
  esac
}
scenario_conns() {
  case $1 in
    bulk) echo 16 ;;
    one-connection) echo 1 ;;
    *) echo 64 ;;
  esac
}

# check: one request of the scenario must succeed on the target, with the expected body.
check() { # scenario target
  local s=$1 t=$2 url auth body code
  url="http://127.0.0.1:$(target_port "$t")$(scenario_path "$s")"
  auth=$(scenario_auth "$s")
  body=$TMP/logs/check-$s-$t.json
  if [[ $s == bulk ]]; then
    code=$(curl -s -o "$body" -w '%{http_code}' -H "Authorization: $auth" \
      -H 'Content-Type: application/x-ndjson' --data-binary "@$BULK_BODY" "$url")
  else
    code=$(curl -s -o "$body" -w '%{http_code}' -H "Authorization: $auth" "$url")
  fi
  [[ $code == 200 ]] || die "$s on $t: status $code, want 200: $(head -c 400 "$body")"
  local size
  size=$(wc -c <"$body")
  case $s in
    large-search) ((size >= 64 * 1024)) || die "$s on $t: body of $size bytes, want at least 64 KiB" ;;
    bulk)
      grep -q '"errors":false' "$body" || die "$s on $t: some items failed: $(head -c 400 "$body")"
      local items
      items=$(grep -o '"status":201' "$body" | wc -l)
      ((items == BULK_ITEMS)) || die "$s on $t: $items items created, want $BULK_ITEMS"
      ;;
    *) ((size >= 1000 && size < 4096)) || die "$s on $t: body of $size bytes, want about 1 KiB" ;;
  esac
  if [[ $t != direct ]]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: $WRONG_BASIC" "$url")
    [[ $code == 401 ]] || die "$t answered $code to a wrong password, want 401"
  fi
}

cpu_ticks() { # pids...: their utime+stime, in clock ticks
  local total=0 pid stat f
  for pid; do
    stat=$(<"/proc/$pid/stat")
    read -r -a f <<<"${stat##*) }"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
RSS_RESET=1
reset_hwm() { # pids...: reset the peak RSS to the current RSS
  local pid
  for pid; do
    echo 5 2>/dev/null >"/proc/$pid/clear_refs" || RSS_RESET=0
  done
}
hwm_kib() { # pids...: sum of their peak RSS in KiB
  local total=0 pid kib
  for pid; do
    kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
    total=$((total + kib))
  done
  echo "$total"
}
audit_dropped() {
  curl -s "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^esguard_audit_events_dropped_total / {print $2}'
}

# wrk_run: the scenario's wrk command against a target for a duration, output to a file.
wrk_run() { # scenario target duration output
  local s=$1 t=$2 d=$3 out=$4 conns threads url
  conns=$(scenario_conns "$s")
  threads=$((WRK_THREADS < conns ? WRK_THREADS : conns))
  url="http://127.0.0.1:$(target_port "$t")$(scenario_path "$s")"
  if [[ $s == bulk ]]; then
    BENCH_BULK_BODY=$BULK_BODY BENCH_AUTH=$(scenario_auth "$s") \
      taskset -c "$WRK_CPUS" wrk -t"$threads" -c"$conns" -d"$d" --timeout 10s --latency \
      -s "$ROOT/bench/bulk.lua" "$url" >"$out" 2>&1
  else
    taskset -c "$WRK_CPUS" wrk -t"$threads" -c"$conns" -d"$d" --timeout 10s --latency \
      -H "Authorization: $(scenario_auth "$s")" "$url" >"$out" 2>&1
  fi
}

# parse_wrk prints: requests/s, p50 µs, p99 µs, requests, non-2xx responses, socket errors
parse_wrk() {
  awk '
    function us(v) {
      if (v ~ /us$/) return v + 0
      if (v ~ /ms$/) return v * 1000
      if (v ~ /m$/) return v * 60e6
      if (v ~ /s$/) return v * 1e6
      return v + 0
    }
    /^ +50%/ { p50 = us($2) }
    /^ +99%/ { p99 = us($2) }
    / requests in / { reqs = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { errs = $0; sub(/^ *Socket errors: */, "", errs); gsub(/ /, "_", errs) }
    END { printf "%s %s %s %s %d %s\n", rps, p50, p99, reqs, bad, (errs == "" ? "-" : errs) }
  ' "$1"
}

# Other load: the CPU time that user-space processes other than this script, its
# children and the targets used during a run (the machine may be shared). Processes
# that exited meanwhile count through their parent's children time; kernel threads
# (which carry some of the benchmark's own network work) do not count.
OURS=" $$ $BACKEND_PID $BARE_PID $NGINX_PID $NGINX_WORKERS $ESGUARD_PID "
other_snapshot() { # file: "pid ticks" of every other user-space process
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v ours="$OURS" -v self="$$" '{
    i = length($0); while (i > 0 && substr($0, i, 1) != ")") i--
    n = split(substr($0, i + 2), f, " ")
    if (n < 15 || index(ours, " " $1 " ") || f[2] == self) next
    if (int(f[7] / 2097152) % 2) next # PF_KTHREAD
    print $1, f[12] + f[13] + f[14] + f[15]
  }' >"$1"
}
wall_ticks() { # the clock ticks of one CPU so far (/proc/stat, all CPUs / nproc)
  awk -v n="$NPROC" '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; printf "%.0f\n", t / n }' /proc/stat
}
# other_load prints the percent of one CPU that other processes used between two
# snapshots. A process that exited in between is counted in its parent's children time
# with all its life's ticks, so the ticks it had at the first snapshot are taken off.
other_load() { # before after wall-ticks
  awk -v wall="$3" 'FNR == NR { before[$1] = $2; next }
    { seen[$1] = 1; d = $2 - before[$1]; if (d > 0) used += d }
    END {
      for (p in before) if (!(p in seen)) used -= before[p]
      if (used < 0) used = 0
      printf "%.0f\n", (wall > 0 ? 100 * used / wall : 0)
    }' "$1" "$2"
}

# wait_quiet waits, at most QUIET_WAIT seconds, until other processes use no more than
# OTHER_LOAD_MAX percent of a CPU over one second.
wait_quiet() {
  local waited=0 w0 w1 load
  while :; do
    other_snapshot "$TMP/quiet0"
    w0=$(wall_ticks)
    sleep 1
    w1=$(wall_ticks)
    other_snapshot "$TMP/quiet1"
    load=$(other_load "$TMP/quiet0" "$TMP/quiet1" "$((w1 - w0))")
    ((load > OTHER_LOAD_MAX)) || return 0
    ((waited < QUIET_WAIT)) || return 0
    ((waited % 10 == 0)) && log "other processes use $load% of a CPU; waiting for the machine to quieten"
    waited=$((waited + 1))
  done
}

# Results of every run, keyed scenario,target,round; then the median round's, keyed
# scenario,target.
declare -A R_RPS R_P50 R_P99 R_CPU R_RSS R_FOREIGN RPS P50 P99 CPU RSS FOREIGN
NOTES=()
printf 'scenario\ttarget\tround\treq/s\tp50 us\tp99 us\tCPU us/req\tpeak RSS KiB\tother load %%\tCPU ticks\n' >"$TMP/results.tsv"
run_one() { # scenario target round
  local s=$1 t=$2 r=$3 pids out c0 c1 wall0 wall1 rps p50 p99 reqs bad errs
  local dropped0 dropped1 label=$1
  ((ROUNDS == 1)) || label="$1 (round $3)"
  read -r -a pids <<<"$(target_pids "$t")"
  out=$TMP/wrk/$s-$t-r$r.txt
  wait_quiet
  log "$label: $t (warm-up $WARMUP, then $DURATION)"
  [[ $t == esguard ]] && : >"$TMP/audit/audit.log"
  wrk_run "$s" "$t" "$WARMUP" "$TMP/wrk/$s-$t-r$r-warmup.txt" || die "wrk failed: $(cat "$TMP/wrk/$s-$t-r$r-warmup.txt")"
  [[ $t == esguard ]] && dropped0=$(audit_dropped)
  reset_hwm "${pids[@]}"
  other_snapshot "$TMP/other0"
  wall0=$(wall_ticks)
  c0=$(cpu_ticks "${pids[@]}")
  wrk_run "$s" "$t" "$DURATION" "$out" || die "wrk failed: $(cat "$out")"
  c1=$(cpu_ticks "${pids[@]}")
  wall1=$(wall_ticks)
  other_snapshot "$TMP/other1"
  R_RSS[$s,$t,$r]=$(hwm_kib "${pids[@]}")
  read -r rps p50 p99 reqs bad errs <<<"$(parse_wrk "$out")"
  [[ -n $rps && -n $reqs && $reqs -gt 0 ]] || die "could not read wrk's output: $(cat "$out")"
  ((bad == 0)) || die "$s on $t: $bad responses were not 2xx/3xx; see $out"
  [[ $errs == - ]] || NOTES+=("$label on $t: wrk socket errors: ${errs//_/ }")
  R_RPS[$s,$t,$r]=$rps
  R_P50[$s,$t,$r]=$p50
  R_P99[$s,$t,$r]=$p99
  R_CPU[$s,$t,$r]=$(awk -v d="$((c1 - c0))" -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { printf "%.2f", d * 1e6 / hz / n }')
  R_FOREIGN[$s,$t,$r]=$(other_load "$TMP/other0" "$TMP/other1" "$((wall1 - wall0))")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$t" "$r" "$rps" "$p50" "$p99" \
    "${R_CPU[$s,$t,$r]}" "${R_RSS[$s,$t,$r]}" "${R_FOREIGN[$s,$t,$r]}" "$((c1 - c0))" >>"$TMP/results.tsv"
  if [[ $t == esguard ]]; then
    dropped1=$(audit_dropped)
    if [[ -n $dropped0 && -n $dropped1 ]] && ((dropped1 > dropped0)); then
      NOTES+=("$label on esguard: $((dropped1 - dropped0)) audit events dropped during the measured run")
    fi
    : >"$TMP/audit/audit.log"
  fi
}

# pick_median keeps the round with the median req/s of a scenario and target (the lower
# of the two middle ones for an even number of rounds).
pick_median() { # scenario target
  local s=$1 t=$2 r
  r=$(for ((i = 1; i <= ROUNDS; i++)); do echo "${R_RPS[$s,$t,$i]} $i"; done |
    sort -g | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2) { print $2 }')
  RPS[$s,$t]=${R_RPS[$s,$t,$r]}
  P50[$s,$t]=${R_P50[$s,$t,$r]}
  P99[$s,$t]=${R_P99[$s,$t,$r]}
  CPU[$s,$t]=${R_CPU[$s,$t,$r]}
  RSS[$s,$t]=${R_RSS[$s,$t,$r]}
  FOREIGN[$s,$t]=${R_FOREIGN[$s,$t,$r]}
}

log "checking every target answers every scenario correctly"
for s in "${ALL_SCENARIOS[@]}"; do
  wanted "$s" || continue
  for t in $(scenario_targets "$s"); do check "$s" "$t"; done
done
for i in $(seq 1 20); do # the audit trail is written asynchronously
  grep -q '"access_granted"' "$TMP/audit/audit.log" && break
  ((i < 20)) || die "esguard wrote no access_granted event to $TMP/audit/audit.log"
  sleep 0.1
done

# Each scenario runs its targets one after the other, ROUNDS times over, so that the
# targets compared in a row of the table ran minutes apart at most.
for s in "${ALL_SCENARIOS[@]}"; do
  wanted "$s" || continue
  for ((r = 1; r <= ROUNDS; r++)); do
    for t in $(scenario_targets "$s"); do
      # A run during which other processes took a noticeable share of the machine is
      # run again, up to RETRIES times; the note under the table says when it stayed so.
      for ((attempt = 0; ; attempt++)); do
        run_one "$s" "$t" "$r"
        ((R_FOREIGN[$s,$t,$r] > OTHER_LOAD_MAX && attempt < RETRIES)) || break
        log "other processes used ${R_FOREIGN[$s,$t,$r]}% of a CPU during that run; running it again"
      done
    done
  done
  for t in $(scenario_targets "$s"); do pick_median "$s" "$t"; done
done

for pid in "${PIDS[@]}"; do
  kill -0 "$pid" 2>/dev/null || die "a target exited during the benchmark; see $TMP/logs"
done

# --- table -----------------------------------------------------------------------------------

ratio() { # a b
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "–"; else printf "%.2f", a / b }'
}
ms() { awk -v u="$1" 'BEGIN { printf "%.3f", u / 1000 }'; }

render() {
  local s t base mark busy versions rounds=""
  versions="$(go env GOVERSION), $( (wrk --version 2>&1 || true) | awk 'NR == 1 {print $1, $2}'), $("$NGINX" -v 2>&1 | sed 's/.*version: //')"
  ((ROUNDS == 1)) || rounds=", median of $ROUNDS interleaved rounds"
  printf '%s\n\n' "esguard load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), nproc $NPROC, esguard $ESGUARD_REV, $versions. Pinning: $PINNING. Warm-up $WARMUP, then $DURATION measured per run$rounds; all runs back to back in one invocation."
  printf '| scenario | target | req/s | p50 ms | p99 ms | CPU µs/req | peak RSS MiB | req/s ÷ bare | req/s ÷ nginx | p99 ÷ bare |\n'
  printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  for s in "${ALL_SCENARIOS[@]}"; do
    wanted "$s" || continue
    # API key and JWT are compared with the bare proxy and nginx of small-search (basic).
    base=$s
    mark=""
    if [[ $s == apikey || $s == jwt ]]; then
      base=small-search
      mark=" ¹"
    fi
    for t in $(scenario_targets "$s"); do
      local r=${RPS[$s,$t]} xb xn xp
      xb=$(ratio "$r" "${RPS[$base,bare]:-}")
      xn=$(ratio "$r" "${RPS[$base,nginx]:-}")
      xp=$(ratio "${P99[$s,$t]}" "${P99[$base,bare]:-}")
      [[ $xb == – ]] || xb+=$mark
      [[ $xn == – ]] || xn+=$mark
      [[ $xp == – ]] || xp+=$mark
      printf '| %s | %s | %.0f | %s | %s | %s | %.1f | %s | %s | %s |\n' "$s" "$t" "$r" \
        "$(ms "${P50[$s,$t]}")" "$(ms "${P99[$s,$t]}")" "${CPU[$s,$t]}" \
        "$(awk -v k="${RSS[$s,$t]}" 'BEGIN { print k / 1024 }')" "$xb" "$xn" "$xp"
    done
  done
  printf '\n'
  if (wanted apikey || wanted jwt) && wanted small-search; then
    printf '¹ Against the bare proxy and nginx of small-search (basic authentication), which serve the same request.\n'
  fi
  printf 'direct is the backend alone, without a proxy; its CPU and RSS are the backend'"'"'s.'
  ((NPROC == 2)) && printf ' It runs on CPU 1 with wrk, so it is a reference, not a ceiling.'
  printf '\nnginx CPU and RSS are its master and worker processes summed.'
  if ((RSS_RESET == 0)); then
    printf ' Peak RSS could not be reset between runs (/proc/PID/clear_refs): it is the peak since start-up.\n'
  else
    printf ' Peak RSS is reset (clear_refs) before each measured run.\n'
  fi
  for s in "${ALL_SCENARIOS[@]}"; do
    wanted "$s" || continue
    for t in $(scenario_targets "$s"); do
      if [[ $t != direct && $s != one-connection ]]; then
        busy=$(awk -v c="${CPU[$s,$t]}" -v r="${RPS[$s,$t]}" 'BEGIN { printf "%.0f", c * r / 1e4 }')
        if ((busy < 90)); then
          NOTES+=("$s on $t: the proxy's CPU was $busy% busy, so the proxy was not the only limit (wrk and the backend, or other load)")
        fi
      fi
      if ((FOREIGN[$s,$t] > OTHER_LOAD_MAX)); then
        NOTES+=("$s on $t: other processes on the machine used about ${FOREIGN[$s,$t]}% of a CPU during the run")
      fi
    done
  done
  local n
  for n in "${NOTES[@]}"; do printf -- '- %s\n' "$n"; done
}

TABLE=$(render)
printf '%s\n' "$TABLE"
if [[ -n $OUT ]]; then
  printf '%s\n' "$TABLE" >"$OUT"
  log "table written to $OUT"
fi
