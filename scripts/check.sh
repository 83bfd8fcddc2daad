#!/usr/bin/env bash
# Static checks `npm test` runs first: generated code fresh, buf lint, buf breaking against the
# previous commit, Biome (warnings are errors), TypeScript build and test typecheck.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "[check] generated code is fresh" >&2
npx buf generate
if [ -n "$(git status --porcelain -- proto/src/gen)" ]; then
  git status --short -- proto/src/gen >&2
  echo "[check] proto/src/gen is stale: run npm run generate and commit the result" >&2
  exit 1
fi

echo "[check] buf lint" >&2
npx buf lint

if git rev-parse --verify --quiet HEAD~1 >/dev/null && [ -n "$(git ls-tree -r --name-only HEAD~1 -- proto/protos | head -1)" ]; then
  echo "[check] buf breaking against HEAD~1" >&2
  npx buf breaking --against '.git#ref=HEAD~1,subdir=.'
else
  echo "[check] buf breaking: no contracts in the previous commit, nothing to compare" >&2
fi

echo "[check] biome" >&2
npx biome check --error-on-warnings .

echo "[check] tsc" >&2
npx tsc -b
npx tsc -p tsconfig.test.json
