#!/usr/bin/env bash
# Makes a fresh clone ready to run and test ferry on Debian/Ubuntu:
#   - buildah, skopeo and docker-registry (real OCI images and registry for the sandbox and tests)
#   - Node >= 22: when the machine's node is older, a Node 24 binary from the npm registry
#     (package `node`) is installed into node_modules, where npm scripts and npx find it first
#   - the project's npm dependencies (npm ci)
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for tool in buildah skopeo docker-registry; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  echo "setup: installing ${missing[*]} with apt-get" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq buildah skopeo docker-registry >/dev/null
fi

# On a Node older than the engines field, npm warns EBADENGINE for ferry and several dependencies, each
# twice; the Node 24 below is what runs them, so those warnings are noise. Errors still print.
echo "setup: npm ci" >&2
npm ci --no-audit --no-fund --loglevel=error

major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "setup: node $(node --version) is older than 22; adding Node 24 from the npm registry to node_modules/.bin" >&2
  npm install --no-save --no-audit --no-fund --loglevel=error node@24
fi
echo "setup: ready (node for npm scripts: $(npm exec --offline --loglevel=error -- node --version))" >&2
