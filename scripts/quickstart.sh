#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a vulnerability scan: installs what is missing, builds Tollgate,
# builds the vulnerability database from the offline feed mirror (../shared/data/vulndb, or $TOLLGATE_VULNDB_MIRROR),
# starts a local registry, pushes a sample image (this machine's package database + a small Node/Python app), scans
# it, stops the registry. Extra arguments go to `tollgate scan` (e.g. --format json, --severity HIGH,CRITICAL);
# `bash scripts/quickstart.sh sbom [flags]` prints the image's SBOM instead.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=17)?0:1)' 2>/dev/null; then
  echo "Tollgate needs Node.js 20.17 or newer (Debian 12's nodejs package is 18): install it from nodejs.org or NodeSource" >&2
  exit 2
fi
if ! command -v docker-registry >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
fi
[ -d node_modules ] || npm ci --no-audit --no-fund >&2
npm run build >&2
exec node dist/scripts/quickstart.js "$@"
