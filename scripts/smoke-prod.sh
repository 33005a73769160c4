#!/usr/bin/env bash
# CI: the production install works. Copies the built dist/ and the package files to an empty directory, installs
# the production dependencies only (npm ci --omit=dev: no ts-node, no typescript), starts node dist/src/index.js
# and waits for /healthz. Run after `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
pid=""
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
cp -r dist package.json package-lock.json "$work/"
(cd "$work" && npm ci --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error)
if [ -e "$work/node_modules/ts-node" ] || [ -e "$work/node_modules/typescript" ]; then
  echo "smoke-prod: ts-node or typescript was installed with --omit=dev" >&2; exit 1
fi
port="${SMOKE_PORT:-3989}"
(cd "$work" && PORT="$port" DATA_DIR="$work/data" SIM_PORT=0 exec node --disable-warning=DEP0111 dist/src/index.js >"$work/out.log" 2>&1) &
pid=$!
for _ in $(seq 1 60); do
  if body="$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null)"; then
    echo "smoke-prod: /healthz $body"
    kill -TERM "$pid"; wait "$pid" && pid="" && exit 0
    echo "smoke-prod: exit after SIGTERM was not 0" >&2; cat "$work/out.log" >&2; exit 1
  fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.5
done
echo "smoke-prod: /healthz did not answer" >&2; cat "$work/out.log" >&2; exit 1
