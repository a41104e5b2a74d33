#!/usr/bin/env bash
# System packages that tests need (real servers on loopback). Idempotent; skipped when present.
# - docker-registry: the CNCF Distribution registry (2.8) the webhook end-to-end test pushes to
# - skopeo: pushes the OCI image layout the test builds into that registry
set -euo pipefail

# - cfn-lint and moto_server (Python): the AWS tiers (test/aws/); CI fails them when missing
if ! command -v cfn-lint >/dev/null 2>&1 || ! command -v moto_server >/dev/null 2>&1; then
  if command -v python3 >/dev/null 2>&1; then
    python3 -m pip install --quiet 'cfn-lint==1.51.0' 'moto[server]==5.2.1' || echo "ci-setup: pip could not install cfn-lint/moto" >&2
  else
    echo "ci-setup: cfn-lint/moto_server missing and python3 is not available" >&2
  fi
fi

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
