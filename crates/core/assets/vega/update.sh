#!/usr/bin/env bash
# Vendors the Vega and Vega-Lite browser bundles used by the HTML audit report.
#   update.sh           fetch the pinned versions from the npm registry and copy
#                       the bundles and licences here, rewriting SHA256SUMS
#   update.sh --check   verify that the files here equal the pinned tarballs'
# To upgrade: change the two versions below, run update.sh, review, commit.
VEGA_VERSION=6.4.0
VEGA_LITE_VERSION=6.5.0
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode="${1:-update}"
case "$mode" in
  update | --check) ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v npm >/dev/null || { echo "update.sh: npm is required" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# npm pack verifies each tarball against the registry's integrity hash.
(cd "$tmp" && npm pack --silent "vega@$VEGA_VERSION" "vega-lite@$VEGA_LITE_VERSION" >/dev/null)
mkdir "$tmp/vega" "$tmp/vega-lite"
tar -xzf "$tmp/vega-$VEGA_VERSION.tgz" -C "$tmp/vega"
tar -xzf "$tmp/vega-lite-$VEGA_LITE_VERSION.tgz" -C "$tmp/vega-lite"

# source-in-tarball  destination-here
files=(
  "vega/package/build/vega.min.js vega.min.js"
  "vega-lite/package/build/vega-lite.min.js vega-lite.min.js"
  "vega/package/LICENSE LICENSE.vega"
  "vega-lite/package/LICENSE LICENSE.vega-lite"
)

if [[ "$mode" == --check ]]; then
  status=0
  for pair in "${files[@]}"; do
    read -r src dst <<<"$pair"
    if cmp -s "$tmp/$src" "$here/$dst"; then
      echo "ok       $dst"
    else
      echo "DIFFERS  $dst (expected package/${src#*/package/} of the pinned tarball)" >&2
      status=1
    fi
  done
  if (cd "$here" && sha256sum --check --quiet SHA256SUMS); then
    echo "ok       SHA256SUMS"
  else
    echo "DIFFERS  SHA256SUMS" >&2
    status=1
  fi
  exit "$status"
fi

for pair in "${files[@]}"; do
  read -r src dst <<<"$pair"
  cp "$tmp/$src" "$here/$dst"
  chmod 0644 "$here/$dst"
done
(cd "$here" && sha256sum vega.min.js vega-lite.min.js >SHA256SUMS)
echo "vendored vega@$VEGA_VERSION and vega-lite@$VEGA_LITE_VERSION into $here"
cat "$here/SHA256SUMS"
