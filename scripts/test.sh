#!/usr/bin/env bash
# `make test`'s pytest step: the browser and HTTP end-to-end tests, and every other test, as two
# pytest processes at once. One pytest process runs its tests one at a time and keeps about one core
# busy, so on a 2-core machine the two halves overlap instead of queueing. Every Kafka test stays
# in one process ("rest"): one of them stops and restarts the shared broker.
#
# Options are passed to both (e.g. --durations=30); to run chosen tests call pytest directly.
# Exits non-zero if either process fails, including pytest's 5 for "no test collected".
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PY:-.venv/bin/python}
UI=tests/e2e/ui

# The HTTP end-to-end tests that need no broker join the browser tests, so that the two halves
# take about as long; those that use Kafka stay with the broker-restarting one.
E2E=()
IGNORE=(--ignore="$UI")
for f in tests/e2e/test_*.py; do
  if ! grep -qi kafka "$f"; then E2E+=("$f"); IGNORE+=(--ignore="$f"); fi
done

out=$(mktemp -d "${TMPDIR:-/tmp}/linkage-test.XXXXXX")
env --default-signal=INT "$PY" -m pytest -q "${IGNORE[@]}" "$@" >"$out/rest.log" 2>&1 &
rest=$!
env --default-signal=INT "$PY" -m pytest -q "$@" "${E2E[@]}" "$UI" >"$out/ui.log" 2>&1 &
ui=$!
trap 'kill -INT "$rest" "$ui" 2>/dev/null; wait; rm -rf "$out"; exit 130' INT TERM  # pytest tears its fixtures down on INT

echo "== pytest: unit, integration and the Kafka end-to-end tests (the browser and HTTP end-to-end tests run alongside) =="
tail -n +1 -f --pid="$rest" "$out/rest.log" &
wait "$!"  # in the background so that a signal's trap runs at once
wait "$rest"
rest_rc=$?
wait "$ui"
ui_rc=$?
echo
echo "== pytest: the browser tests ($UI) and the HTTP end-to-end tests without Kafka =="
cat "$out/ui.log"

echo "exit codes: other tests $rest_rc, browser tests $ui_rc"
# One closing line for both: pytest's own last lines count only their half.
"$PY" - "$out/rest.log" "$out/ui.log" <<'EOF'
import re, sys
n = {"passed": 0, "failed": 0, "skipped": 0}
for path in sys.argv[1:]:
    last = [line for line in open(path, encoding="utf-8", errors="replace") if line.strip()]
    for count, what in re.findall(r"(\d+) (passed|failed|skipped|errors?)\b", last[-1] if last else ""):
        n["failed" if what.startswith("error") else what] += int(count)
print(f"both: {n['passed']} passed, {n['failed']} failed" + (f", {n['skipped']} skipped" if n["skipped"] else ""))
EOF
rm -rf "$out"
((rest_rc == 0 && ui_rc == 0))
