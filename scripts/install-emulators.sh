#!/usr/bin/env bash
# Installs the pinned storage emulators (Azurite, s3rver) from emulators/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../emulators"
if [[ -x node_modules/.bin/azurite && -x node_modules/.bin/s3rver && node_modules/.package-lock.json -nt package-lock.json ]]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
