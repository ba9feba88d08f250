#!/usr/bin/env bash
# Every benchmark, side by side in one run on this machine; writes benchmarks/results/results.md and .json.
# Takes several minutes (1M events are ingested and exported, then a 5M-event backlog). --smoke runs tiny sizes;
# --cpu, --ingest, --export or --backlog run one part alone; --breakdown writes benchmarks/results/ingest-breakdown.md
# (one ingest invocation's CPU per stage, and the handler under GC, JIT and thread-pool settings);
# --breakdown --before REF also measures the handler built from commit REF, in the same run (a git worktree under /tmp);
# --runtime-rounds N runs each handler variant N times (3 by default; this machine's rounds vary by about ±10 %).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-emulators.sh
dotnet build AuditExport.slnx -c Release --nologo -v quiet -clp:ErrorsOnly
args=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--before" ]; then
    ref=$(git rev-parse --short "$2")
    tree="${TMPDIR:-/tmp}/audit-export-before-$ref"
    git worktree prune # a tree under /tmp that is gone (a reboot) stays registered and would refuse the add
    [ -d "$tree" ] || git worktree add --detach "$tree" "$ref" >/dev/null
    dotnet build "$tree/functions/AuditExport" -c Release --nologo -v quiet -clp:ErrorsOnly
    args+=(--before-handler "$tree/functions/AuditExport/bin/Release/net10.0/AuditExport.dll" "$ref")
    shift 2
  else
    args+=("$1")
    shift
  fi
done
dotnet run --project benchmarks/AuditExport.Benchmarks -c Release --no-build -- "${args[@]}"
