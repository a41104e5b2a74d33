#!/usr/bin/env bash
# System packages that tests need (real servers on loopback). Idempotent; skipped when present.
set -euo pipefail
exit 0
