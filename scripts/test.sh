#!/usr/bin/env bash
# All tests: unit, storage contract and integration (the tests start their own Azurite and s3rver).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-emulators.sh
dotnet test AuditExport.slnx -c Release --nologo --logger "console;verbosity=normal" "$@"
