#!/usr/bin/env bash
# Fetch the ONNX Runtime shared library that chantier's vision crate loads at run time.
#
# Why a wheel: the `ort` crate is built with `load-dynamic` (nothing is downloaded at build
# time, and the build does not depend on a C++ toolchain for ONNX Runtime). The only registry
# reachable from build machines is PyPI, and its `onnxruntime` wheel carries the official
# CPU build as `onnxruntime/capi/libonnxruntime.so.<version>`. We take that file out of the
# wheel into `.onnxruntime/` at the repository root, where chantier looks by default.
#
#   scripts/fetch-onnxruntime.sh            # idempotent: does nothing when already there
#   CHANTIER_ORT_DIR=/opt/ort scripts/fetch-onnxruntime.sh
set -euo pipefail

VERSION="${CHANTIER_ORT_VERSION:-1.31.1}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${CHANTIER_ORT_DIR:-$ROOT/.onnxruntime}"
LIB="libonnxruntime.so.$VERSION"

if [ -f "$DEST/$LIB" ]; then
  echo "ONNX Runtime $VERSION already in $DEST"
  exit 0
fi

case "$(uname -m)" in
  x86_64) platforms=(manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux2014_x86_64) ;;
  aarch64) platforms=(manylinux_2_28_aarch64 manylinux_2_27_aarch64 manylinux2014_aarch64) ;;
  *) echo "no onnxruntime wheel is published for $(uname -m)" >&2; exit 1 ;;
esac

PY="$(command -v python3 || true)"
if [ -z "$PY" ] || ! "$PY" -m pip --version >/dev/null 2>&1; then
  echo "python3 with pip is needed to fetch the onnxruntime wheel (apt-get install python3-pip)" >&2
  exit 1
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
args=(download --no-deps --only-binary=:all: --python-version 3.11 -d "$tmp" "onnxruntime==$VERSION")
for p in "${platforms[@]}"; do args+=(--platform "$p"); done
"$PY" -m pip "${args[@]}" >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log" >&2; exit 1; }

mkdir -p "$DEST"
"$PY" - "$tmp" "$DEST" "$LIB" <<'PY'
import pathlib, sys, zipfile
tmp, dest, lib = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
wheel = next(tmp.glob("onnxruntime-*.whl"))
with zipfile.ZipFile(wheel) as z:
    wanted = {f"onnxruntime/capi/{lib}", "onnxruntime/capi/libonnxruntime_providers_shared.so"}
    found = [n for n in z.namelist() if n in wanted]
    if f"onnxruntime/capi/{lib}" not in found:
        sys.exit(f"{wheel.name} has no onnxruntime/capi/{lib}")
    for name in found:
        target = dest / pathlib.Path(name).name
        target.write_bytes(z.read(name))
        target.chmod(0o755)
PY
ln -sf "$LIB" "$DEST/libonnxruntime.so"
echo "ONNX Runtime $VERSION installed in $DEST"
