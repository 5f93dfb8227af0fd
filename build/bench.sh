#!/usr/bin/env bash
# Runs the benchmark harness in Release; arguments go to the harness (see tests/Crm.Benchmarks).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec dotnet run -c Release --project tests/Crm.Benchmarks -- "$@"
