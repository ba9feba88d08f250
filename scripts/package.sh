#!/usr/bin/env bash
# Builds the deployable zip (host.json, function folders, self-contained linux-x64 handler) at $1
# (default .artifacts/audit-export.zip).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tools/AuditExport.LocalHost -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet run --project tools/AuditExport.LocalHost -c Release --no-build -- package "${1:-.artifacts/audit-export.zip}"
