#!/usr/bin/env bash
# All tests: unit, storage contract and integration (the tests start their own Azurite and s3rver), in two stages:
# first everything but the slow robustness tests (their collections run in parallel), then the robustness tests
# (crashes, injected faults, hostile input, benchmark smoke). Arguments (for example --filter) run one stage with them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-emulators.sh
run() { dotnet test AuditExport.slnx -c Release --nologo --logger "console;verbosity=normal" "$@"; }
if [[ $# -gt 0 ]]; then
  run "$@"
  exit
fi
started=$SECONDS
run --filter "Stage!=Robustness"
echo "Stage 1 (all but robustness): $((SECONDS - started)) s"
started=$SECONDS
run --no-build --filter "Stage=Robustness"
echo "Stage 2 (robustness): $((SECONDS - started)) s"
