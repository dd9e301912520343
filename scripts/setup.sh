#!/usr/bin/env bash
# Makes a fresh clone ready to run and test ferry on Debian/Ubuntu:
#   - buildah, skopeo and docker-registry (real OCI images and registry for the sandbox and tests)
#   - PostgreSQL 15 (the sandbox's real mode runs one cluster per RDS instance; its server
#     programs run as the package's `postgres` user when this runs as root, as CI does)
#   - the project's npm dependencies (npm ci), among them a Node 24 binary from the npm registry
#     (the dev dependency `node`): npm scripts and npx find it first in node_modules/.bin, so tests,
#     the demo and the benchmarks run on Node 24 even where the machine's own node is older
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in buildah skopeo docker-registry; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq buildah skopeo docker-registry >/dev/null
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    # Debian 12 ships postgresql-15; elsewhere (Ubuntu 24.04: 16) take the distribution's own.
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15 >/dev/null 2>&1 ||
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  fi
fi

# On a Node older than the engines field, npm warns EBADENGINE for ferry and several dependencies, each
# twice; the Node 24 below is what runs them, so those warnings are noise. Errors still print.
echo "setup: npm ci" >&2
npm ci --no-audit --no-fund --loglevel=error

echo "setup: ready (node for npm scripts: $(npm exec --offline --loglevel=error -- node --version))" >&2
