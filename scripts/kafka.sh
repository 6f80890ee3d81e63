#!/usr/bin/env bash
# Run a real single-node Apache Kafka broker (KRaft, broker+controller) on
# 127.0.0.1:9092 for tests and CI, without Docker: the broker jars come from
# Maven Central (scripts/kafka/pom.xml) and run on Java 17.
#
#   bash scripts/kafka.sh start    idempotent; returns once the broker serves
#   bash scripts/kafka.sh stop     SIGTERM, then SIGKILL after 30 s
#   bash scripts/kafka.sh status   exit 0 if a broker answers on 127.0.0.1:9092
#
# State lives in ${LINKAGE_CACHE_DIR:-$HOME/.cache/linkage}:
#   kafka-libs/   broker class path (+ .assembled marker)
#   kafka-data/   KRaft log dir (meta.properties present = formatted)
#   kafka.log, kafka.pid, kafka-server.properties
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_CONF_DIR="$SCRIPT_DIR/kafka"
CACHE_DIR="${LINKAGE_CACHE_DIR:-$HOME/.cache/linkage}"
LIBS_DIR="$CACHE_DIR/kafka-libs"
DATA_DIR="$CACHE_DIR/kafka-data"
LOG_FILE="$CACHE_DIR/kafka.log"
PID_FILE="$CACHE_DIR/kafka.pid"
PROPS_FILE="$CACHE_DIR/kafka-server.properties"
LOCK_FILE="$CACHE_DIR/kafka.lock"
MARKER="$LIBS_DIR/.assembled"

HOST=127.0.0.1
PORT=9092
CONTROLLER_PORT=9093
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT=30
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# --- probes ------------------------------------------------------------------

port_open() {
    (exec 3<>"/dev/tcp/$HOST/${1:-$PORT}") 2>/dev/null
}

# A dying JVM loses its /proc cmdline before the kernel closes its sockets, so
# after a stop wait for both listeners to go away before reusing the ports.
wait_ports_closed() {
    local i
    for ((i = 0; i < 40; i++)); do
        port_open "$PORT" || port_open "$CONTROLLER_PORT" || return 0
        sleep 0.25
    done
    return 0
}

# Send a Kafka ApiVersions v0 request (api_key 18, correlation id 42, null
# client id) with bash's /dev/tcp and check the reply header: same correlation
# id and error code 0. This proves a Kafka broker is actually serving, with no
# client library needed.
broker_answers() {
    local hex
    # shellcheck disable=SC2016  # expanded by the inner bash, on purpose
    hex=$(timeout 5 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x2a\xff\xff" >&3
        head -c 10 <&3 | od -An -tx1
    ' "$HOST" "$PORT" 2>/dev/null) || return 1
    hex=${hex//[[:space:]]/}
    # 4-byte length (any), correlation id 0x2a, error code 0.
    [[ $hex == ????????0000002a0000 ]]
}

# True if $1 is a live process running our broker main class. Checking the
# command line guards against pid reuse; a zombie has an empty cmdline.
is_broker_pid() {
    local pid=$1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    local cmdline
    # (No pipe into grep -q: with pipefail an early grep exit could fail it.)
    cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
    [[ $cmdline == *" kafka.Kafka "* ]]
}

read_pid() {
    if [[ -s $PID_FILE ]]; then cat "$PID_FILE"; fi
}

# --- assembly / format -------------------------------------------------------

# The marker holds the pom's checksum: a changed pom (e.g. a version bump)
# re-assembles instead of mixing old and new jars on one class path.
pom_sum() { sha256sum "$KAFKA_CONF_DIR/pom.xml" | cut -d' ' -f1; }

libs_complete() {
    [[ -f $MARKER && "$(cat "$MARKER")" == "$(pom_sum)" ]] &&
        compgen -G "$LIBS_DIR/kafka_2.13-*.jar" >/dev/null
}

assemble_libs() {
    libs_complete && return 0
    command -v mvn >/dev/null || die "mvn (Maven) is required to assemble the broker jars"
    log "assembling broker jars into $LIBS_DIR (Maven; first run downloads ~45 MB)"
    local tmp="$LIBS_DIR.tmp.$$" t0=$SECONDS
    # Leftovers of interrupted runs (safe: start/stop hold the lock).
    rm -rf "$LIBS_DIR".tmp.*
    # Copy into a scratch dir and rename, so an interrupted copy never looks
    # complete and no stale jar of another version survives.
    # sed: Debian's Maven 3.8 prints stray colour resets even in batch mode.
    if ! mvn -B -q -f "$KAFKA_CONF_DIR/pom.xml" \
            dependency:copy-dependencies -DincludeScope=runtime \
            -DoutputDirectory="$tmp" 2>&1 | sed $'s/\e\\[0m//g' >&2; then
        rm -rf "$tmp"
        die "mvn dependency:copy-dependencies failed"
    fi
    pom_sum >"$tmp/.assembled"
    rm -rf "$LIBS_DIR"
    mv "$tmp" "$LIBS_DIR"
    local jars=("$LIBS_DIR"/*.jar)
    log "assembled ${#jars[@]} jars in $((SECONDS - t0)) s"
}

check_java() {
    command -v "$JAVA" >/dev/null || die "java not found (Kafka 4.x needs Java 17+)"
    local v
    v=$("$JAVA" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java\.specification\.version = //p')
    [[ ${v%%.*} =~ ^[0-9]+$ && ${v%%.*} -ge 17 ]] ||
        die "Kafka 4.x needs Java 17+, found java.specification.version=${v:-?}"
}

run_tool() {
    "$JAVA" -Dlog4j2.configurationFile="$KAFKA_CONF_DIR/log4j2-tools.xml" \
        -cp "$LIBS_DIR/*" kafka.tools.StorageTool "$@"
}

render_props() {
    # Pure bash substitution: the path may contain characters special to sed.
    local tmpl
    tmpl=$(<"$KAFKA_CONF_DIR/server.properties.in")
    printf '%s\n' "${tmpl//@LOG_DIRS@/$DATA_DIR}" >"$PROPS_FILE"
}

format_storage() {
    # meta.properties is written by a successful format; a formatted store is
    # reused as is (formatting it again would fail).
    [[ -f $DATA_DIR/meta.properties ]] && return 0
    if [[ -d $DATA_DIR ]] && [[ -n "$(ls -A "$DATA_DIR")" ]]; then
        # Left over from an interrupted format: it holds no committed data.
        log "removing unformatted leftovers in $DATA_DIR"
        rm -rf "${DATA_DIR:?}"
    fi
    mkdir -p "$DATA_DIR"
    local id
    id=$(run_tool random-uuid)
    [[ $id =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]] || die "bad cluster id from StorageTool: '$id'"
    log "formatting KRaft storage in $DATA_DIR (cluster id $id)"
    # --ignore-formatted: tolerate a store formatted concurrently/partially.
    run_tool format --standalone --ignore-formatted -t "$id" -c "$PROPS_FILE" >&2 ||
        die "kafka-storage format failed"
}

# --- commands ----------------------------------------------------------------

stop_pid() {
    local pid=$1 i
    is_broker_pid "$pid" || return 0
    log "stopping broker (pid $pid)"
    # SIGTERM runs Kafka's clean shutdown (no log recovery on next start).
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_TIMEOUT * 2; i++)); do
        is_broker_pid "$pid" || { wait_ports_closed; return 0; }
        sleep 0.5
    done
    log "broker did not exit within ${STOP_TIMEOUT} s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 20; i++)); do
        is_broker_pid "$pid" || { wait_ports_closed; return 0; }
        sleep 0.25
    done
    die "broker pid $pid survived SIGKILL"
}

cmd_start() {
    local pid
    pid=$(read_pid)
    if broker_answers; then
        log "broker already serving on $HOST:$PORT${pid:+ (pid $pid)}"
        return 0
    fi
    if [[ -n $pid ]]; then
        if is_broker_pid "$pid"; then
            # Alive but not answering: hung or half-started. Start afresh.
            log "broker pid $pid is not answering; restarting it"
            stop_pid "$pid"
        else
            log "removing stale pid file (pid $pid is gone)"
        fi
        rm -f "$PID_FILE"
    fi
    # Something else holds the port (a foreign process, not a Kafka broker).
    port_open "$PORT" && die "port $PORT is in use but does not answer as a Kafka broker"
    port_open "$CONTROLLER_PORT" && die "controller port $CONTROLLER_PORT is already in use"

    check_java
    assemble_libs
    render_props
    format_storage

    # Keep the previous run's log for post-mortems; the readiness check below
    # must only see this run's lines.
    [[ -f $LOG_FILE ]] && mv -f "$LOG_FILE" "$LOG_FILE.1"
    rm -f "$PID_FILE"
    log "starting broker on $HOST:$PORT (log: $LOG_FILE)"
    local t0=$SECONDS
    # setsid + nohup: the broker outlives this script, its terminal and its
    # process group (CI runners kill those). The child writes its own pid
    # before exec'ing java, so the pid file holds the java pid even if setsid
    # had to fork. 9>&- : do not leak the start/stop lock into the broker.
    # shellcheck disable=SC2016  # $$ must be the inner shell's pid
    nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
        "$JAVA" -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
        -Dlog4j2.configurationFile="$KAFKA_CONF_DIR/log4j2-broker.xml" \
        -cp "$LIBS_DIR/*" kafka.Kafka "$PROPS_FILE" \
        </dev/null >"$LOG_FILE" 2>&1 9>&- &

    local i
    for ((i = 0; i < START_TIMEOUT * 2; i++)); do
        sleep 0.5
        pid=$(read_pid)
        # Ready = the broker finished startup (log line) and serves requests.
        if grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null && broker_answers; then
            log "broker serving on $HOST:$PORT (pid $pid) after $((SECONDS - t0)) s"
            return 0
        fi
        # Fail fast if the JVM already died (bad config, port clash, ...).
        if [[ -n $pid ]] && ! is_broker_pid "$pid"; then
            log "broker exited during startup; last log lines:"
            tail -n 40 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            exit 1
        fi
    done
    log "broker not ready after ${START_TIMEOUT} s; last log lines:"
    tail -n 40 "$LOG_FILE" >&2 || true
    # Do not leave a half-started broker holding the data dir lock.
    [[ -n $pid ]] && stop_pid "$pid"
    rm -f "$PID_FILE"
    exit 1
}

cmd_stop() {
    local pid
    pid=$(read_pid)
    if [[ -n $pid ]] && is_broker_pid "$pid"; then
        stop_pid "$pid"
        log "broker stopped"
    elif broker_answers; then
        log "a broker answers on $HOST:$PORT but was not started from $CACHE_DIR; leaving it alone"
    else
        log "broker not running"
    fi
    rm -f "$PID_FILE"
}

cmd_status() {
    if broker_answers; then
        echo "kafka: serving on $HOST:$PORT${1:+ (pid $1)}"
        return 0
    fi
    echo "kafka: not serving on $HOST:$PORT"
    return 1
}

main() {
    local cmd=${1:-}
    case $cmd in
        start | stop)
            mkdir -p "$CACHE_DIR"
            # Serialise concurrent start/stop calls (e.g. parallel CI steps).
            exec 9>"$LOCK_FILE"
            flock 9
            "cmd_$cmd"
            ;;
        status) cmd_status "$(read_pid)" ;;
        *)
            echo "usage: $0 {start|stop|status}" >&2
            exit 2
            ;;
    esac
}

main "$@"
