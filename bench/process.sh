#!/usr/bin/env bash
# Times whole entratoken processes next to a Go hello-world built on the spot
# (median of many runs, by bench/timeit), and reports ratios, peak RSS and
# binary size. Both are built the way releases are: static, stripped.
# Nothing touches the network: the simulated tenant that warms the cache is
# stopped before timing, and --offline would fail any run that tried.
#
#   bench/process.sh [RUNS]        (default 300)
set -euo pipefail
runs=${1:-300}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CGO_ENABLED=0 NO_COLOR=1

go build -trimpath -ldflags='-s -w' -o "$work/entratoken" ./cmd/entratoken
go build -o "$work/timeit" ./bench/timeit
mkdir -p "$work/hello"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' > "$work/hello/main.go"
printf 'module hello\n\ngo 1.26\n' > "$work/hello/go.mod"
(cd "$work/hello" && go build -trimpath -ldflags='-s -w' -o "$work/hello-bin" .)
go run ./bench/fixtures "$work"
tok=$(cat "$work/token")
auth=$(cat "$work/authority")

row() { # row LABEL CMD...
  local label=$1; shift
  read -r ms kb < <("$work/timeit" -n "$runs" -- "$@")
  printf '| %-52s | %7s ms | %5.2fx | %6s MB |\n' "$label" "$ms" "$(echo "$ms / $floor" | bc -l)" "$(echo "scale=1; $kb / 1024" | bc)"
}
read -r floor floor_kb < <("$work/timeit" -n "$runs" -- "$work/hello-bin")

echo "$runs runs per row, median wall time; $(nproc) cores; $(go version | cut -d' ' -f3)"
echo
printf '| %-52s | %10s | %6s | %9s |\n' "process" "median" "ratio" "peak RSS"
printf '|%s|%s|%s|%s|\n' "------------------------------------------------------" "------------" "--------" "-----------"
printf '| %-52s | %7s ms | %5.2fx | %6s MB |\n' "Go hello-world (the floor)" "$floor" 1 "$(echo "scale=1; $floor_kb / 1024" | bc)"
row "entratoken version" "$work/entratoken" version
row "entratoken inspect TOKEN --jwks FILE" "$work/entratoken" inspect "$tok" --jwks "$work/keys.json"
row "entratoken inspect TOKEN (warm cache, tenant down)" "$work/entratoken" inspect "$tok" --cache-dir "$work/cache" --authority-host "$auth"
row "entratoken inspect TOKEN --offline (warm cache)" "$work/entratoken" inspect "$tok" --cache-dir "$work/cache" --authority-host "$auth" --offline
cat > "$work/policy.xml" <<XML
<validate-jwt header-name="Authorization">
  <openid-config url="https://login.microsoftonline.com/$(cat "$work/tenant")/v2.0/.well-known/openid-configuration" />
  <audiences><audience>api://contoso-orders</audience><audience>$(cat "$work/api")</audience></audiences>
  <required-claims><claim name="roles" match="any"><value>Orders.Read</value></claim></required-claims>
</validate-jwt>
XML
row "entratoken diagnose TOKEN --policy (warm cache)" "$work/entratoken" diagnose "$tok" --policy "$work/policy.xml" --cache-dir "$work/cache" --authority-host "$auth" --offline
echo
echo "binary size (CGO_ENABLED=0 -trimpath -ldflags='-s -w'): $(($(stat -c %s "$work/entratoken") / 1024)) KiB"
