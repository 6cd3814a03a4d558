#!/usr/bin/env bash
# Runs every fuzz target for a while (default 30s each; minimisation of a
# new input capped at 5s, or its time is not counted as executions) and prints, per
# target, the executions and whether it found anything. Findings are written
# by go test under each package's testdata/fuzz/ and fail the normal tests
# until fixed.
#
#   bench/fuzz.sh [DURATION]
set -uo pipefail
dur=${1:-30s}
cd "$(dirname "$0")/.."
targets=(
  "./internal/token FuzzDecode"
  "./internal/keys FuzzParseSet"
  "./internal/aadsts FuzzParse"
  "./inspect FuzzInspect"
  "./diagnose FuzzParseAndEvaluate"
  "./diagnose FuzzParseResponse"
  "./diagnose FuzzRunToken"
  "./policy FuzzCheck"
  "./call FuzzCurl"
  "./internal/redact FuzzString"
  "./internal/iostreams FuzzSanitize"
)
printf '| %-36s | %12s | %-8s |\n' "target" "execs" "result"
printf '|%s|%s|%s|\n' "--------------------------------------" "--------------" "----------"
status=0
for t in "${targets[@]}"; do
  set -- $t
  out=$(go test "$1" -run XXX -fuzz "^$2\$" -fuzztime "$dur" -fuzzminimizetime 5s 2>&1)
  rc=$?
  execs=$(echo "$out" | grep -o 'execs: [0-9]*' | tail -1 | awk '{print $2}')
  result=ok
  if [ $rc -ne 0 ]; then result=FOUND; status=1; echo "$out" | tail -20 >&2; fi
  printf '| %-36s | %12s | %-8s |\n' "$1 $2" "${execs:-?}" "$result"
done
exit $status
