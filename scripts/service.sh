# shellcheck shell=bash
# Process handling shared by the local servers' scripts (synapse, idp, fhir, nginx): one server
# per instance, our own pid file, serialised start/stop. Source it after setting SERVICE (a log
# label such as "synapse[test]"), DATA (the instance's folder), PIDFILE, PORT, and defining
# `live_pid` (usually with `pid_from_file`) and `answers` (whether the server responds).

elapsed() { awk "BEGIN{printf \"%.1f\", $EPOCHREALTIME-$1}"; }

# Serialise start/stop/reset on one instance (e.g. a test runner and a human).
lock() {
  mkdir -p "$DATA"
  exec 9>"$DATA/.lock"
  flock -w 60 9 || { log "$SERVICE: $DATA/.lock still held after 60 s"; exit 1; }
}

# Alive and not a zombie. Once start returns, the server's parent is init, which here reaps
# exited children only after a second or so; kill -0 alone would count that zombie as running.
alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z ]]
}

# SIGTERM, wait up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for (( i = 0; i < 100; i++ )); do
    alive "$pid" || return 0
    sleep 0.1
  done
  log "$SERVICE: pid $pid ignored SIGTERM for 10 s, killing"
  kill -KILL "$pid" 2>/dev/null || true
  while alive "$pid"; do sleep 0.1; done
}

# The pid in PIDFILE if that process is alive, its command line contains $1 and (when $2 is
# given) its environment has PORT=$2: guards against a stale file whose pid was reused.
pid_from_file() {
  local pid
  [[ -f "$PIDFILE" ]] || return 1
  pid=$(<"$PIDFILE")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$1" || return 1
  if [[ -n "${2:-}" ]]; then
    tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx "PORT=$2" || return 1
  fi
  echo "$pid"
}

# Waits up to $2 seconds until the just-started server (pid $1) answers. If it exits or time
# runs out: shows the end of its logs (the remaining arguments), stops it and fails.
await_answers() {
  local pid=$1 seconds=$2
  shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until answers; do
    if ! alive "$pid" || (( $(date +%s) >= deadline )); then
      log "$SERVICE: failed to start (see $*)"
      tail -n 20 "$@" >&2 2>/dev/null || true
      stop_pid "$pid"
      rm -f "$PIDFILE"
      return 1
    fi
    sleep 0.1
  done
}

# Whether something (not ours) already listens on the instance's port.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# The first step of `start`: true (after saying so) when the instance already runs and answers
# at $1. Otherwise stops a process of ours that does not answer, stops the script if a stranger
# holds the port, and is false: the caller goes on starting.
already_running() {
  local pid
  if pid=$(live_pid) && answers; then
    log "$SERVICE: already running (pid $pid) at $1"
    return 0
  fi
  [[ -n "${pid:-}" ]] && stop_pid "$pid"
  if port_taken; then
    log "$SERVICE: port $PORT is already taken by a process not started from $DATA"
    exit 1
  fi
  return 1
}

# Stops the instance if it runs; no error if it does not.
stop_service() {
  lock
  local pid
  if pid=$(live_pid); then
    local t0=$EPOCHREALTIME
    stop_pid "$pid"
    log "$SERVICE: stopped (pid $pid, $(elapsed "$t0") s)"
  fi
  rm -f "$PIDFILE"
}

# `status`: whether the server is running and answering at $1.
report_status() {
  local pid
  if pid=$(live_pid) && answers; then echo "$SERVICE: running (pid $pid) at $1"
  else echo "$SERVICE: not running"; return 1; fi
}

# Builds our own service binary `$1` (a cargo bin of this repository) and starts it with the
# remaining arguments, unless it already runs; waits until it `answers` (60 s) and logs where
# it serves ($HS).
start_our_binary() {
  local bin=$1 pid
  shift
  lock
  if pid=$(live_pid); then
    log "$SERVICE: already running (pid $pid) for $HS"
    return 0
  fi
  (cd "$ROOT" && cargo build --quiet --bin "$bin")
  local t0=$EPOCHREALTIME
  : >"$LOGFILE"
  (exec nohup setsid "$ROOT/target/debug/$bin" "$@" >"$LOGFILE" 2>&1 </dev/null 9>&-) &
  pid=$!
  echo "$pid" >"$PIDFILE"
  await_answers "$pid" 60 "$LOGFILE"
  log "$SERVICE: started for $HS (pid $pid, $(elapsed "$t0") s)"
}
