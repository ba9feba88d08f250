#!/usr/bin/env bash
# The main job, locally and end to end: emulators, the handler as its own process, the sample events
# delivered through IngestAuditEvents exactly as the Functions host delivers them, then what was stored.
# The API is called through the local front door (routes from function.json, function keys checked).
# --serve keeps everything running afterwards and prints the URL, the key and ready curl lines, until Ctrl-C.
set -euo pipefail
usage='Usage: scripts/run-local.sh [--serve] [FILE.jsonl ...]
  Runs the main job locally: emulators, the handler, two export configurations, the events in FILE (default: the
  samples) ingested and exported, then checks the export byte for byte. --serve keeps it all running until Ctrl-C
  and prints the URL, keys, tokens and ready commands. The first run takes a few minutes (npm ci, dotnet build).'
args=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) echo "$usage"; exit 0 ;;
    --serve) args+=("$arg") ;;
    -*) echo "Unknown option $arg" >&2; echo "$usage" >&2; exit 2 ;;
    *)
      # Files are named from where the script was called, whatever folder it runs in.
      [[ "$arg" == /* ]] || arg="$PWD/$arg"
      if [[ ! -f "$arg" ]]; then echo "No such file: $arg" >&2; exit 2; fi
      args+=("$arg") ;;
  esac
done
cd "$(dirname "$0")/.."
echo "Installing the pinned emulators (npm ci; the first time takes about a minute) ..."
scripts/install-emulators.sh
echo "Building (dotnet build; the first time restores packages and takes a minute or two) ..."
dotnet build AuditExport.slnx -c Release --nologo -v quiet -clp:ErrorsOnly
# exec: this script's process becomes the run's, so `kill <pid>` reaches it and it stops everything it started.
exec dotnet tools/AuditExport.LocalHost/bin/Release/net10.0/AuditExport.LocalHost.dll "${args[@]}"
