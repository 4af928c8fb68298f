#!/usr/bin/env bash
# Format check, build, tests and coverage exactly as CI does.
set -euo pipefail
exec bash "$(dirname "$0")/.ci/run"
