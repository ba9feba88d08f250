#!/usr/bin/env bash
# The main job, locally and end to end: emulators, the handler as its own process, the sample events
# delivered through IngestAuditEvents exactly as the Functions host delivers them, then what was stored.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-emulators.sh
dotnet build AuditExport.slnx -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet run --project tools/AuditExport.LocalHost -c Release --no-build -- "$@"
