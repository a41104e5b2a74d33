#!/usr/bin/env bash
# System packages that tests need (real servers on loopback). Idempotent; skipped when present.
# - docker-registry: the CNCF Distribution registry (2.8) the webhook end-to-end test pushes to
# - skopeo: pushes the OCI image layout the test builds into that registry
set -euo pipefail

missing=()
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ci-setup: ${missing[*]} missing and apt-get is not available; the registry end-to-end test will be skipped" >&2
  exit 0
fi
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "ci-setup: installed ${missing[*]}"
