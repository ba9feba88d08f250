#!/usr/bin/env bash
# Every benchmark, side by side in one run on this machine; writes benchmarks/results/results.md and .json.
# Takes several minutes (1M events are ingested and exported, then a 5M-event backlog). --smoke runs tiny sizes;
# --cpu, --ingest, --export or --backlog run one part alone; --breakdown writes benchmarks/results/ingest-breakdown.md
# (one ingest invocation's CPU per stage, and the handler under GC and JIT settings).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-emulators.sh
dotnet build AuditExport.slnx -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet run --project benchmarks/AuditExport.Benchmarks -c Release --no-build -- "$@"
