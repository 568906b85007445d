#!/usr/bin/env bash
# Contract gate, run by `npm test`:
#   1. buf lint (STANDARD rules);
#   2. gen/ must equal what `buf generate` makes from proto/ (never edit gen/ by hand);
#   3. buf breaking (FILE rules) against main, or against the previous commit when HEAD is main.
# Works offline and in a shallow clone (it deepens the clone by one commit when it needs to).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

echo "contracts: buf lint"
buf lint

echo "contracts: gen/ is up to date"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r proto buf.yaml buf.gen.yaml "$scratch"/
(cd "$scratch" && buf generate)
if ! diff -r "$scratch/gen" gen >/dev/null; then
  diff -r "$scratch/gen" gen | head -20 || true
  echo "contracts: gen/ is stale; run 'npm run generate' and commit gen/" >&2
  exit 1
fi

echo "contracts: buf breaking"
head=$(git rev-parse HEAD 2>/dev/null || true)
main=$(git rev-parse --verify --quiet main || git rev-parse --verify --quiet origin/main || true)
against=""
if [ -n "$main" ] && [ "$main" != "$head" ]; then
  against="$main"
elif [ -n "$head" ]; then
  # On main itself: compare with the commit before, fetching it first in a shallow clone.
  if ! git rev-parse --verify --quiet HEAD~1 >/dev/null; then
    if [ "$(git rev-parse --is-shallow-repository)" = "true" ]; then
      git fetch --quiet --deepen=1 2>/dev/null || true
    fi
  fi
  against=$(git rev-parse --verify --quiet HEAD~1 || true)
fi
if [ -z "$against" ]; then
  echo "contracts: no earlier commit to compare with (first commit); breaking check skipped"
  exit 0
fi
if ! git cat-file -e "$against:buf.yaml" 2>/dev/null; then
  echo "contracts: $against has no buf.yaml yet; nothing to break"
  exit 0
fi
buf breaking --against ".git#ref=$against"
echo "contracts: no breaking change against ${against:0:12}"
