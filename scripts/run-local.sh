#!/usr/bin/env bash
# The main job, locally and end to end: emulators, the handler as its own process, the sample events
# delivered through IngestAuditEvents exactly as the Functions host delivers them, then what was stored.
# The API is called through the local front door (routes from function.json, function keys checked).
# --serve keeps everything running afterwards and prints the URL, the key and ready curl lines, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-emulators.sh
dotnet build AuditExport.slnx -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet run --project tools/AuditExport.LocalHost -c Release --no-build -- "$@"
