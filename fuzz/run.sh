#!/usr/bin/env bash
# Seeds the fuzz corpora from ../shared (when present) and runs each target for SECONDS.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]. Needs `cargo install cargo-fuzz`; on a stable
# toolchain RUSTC_BOOTSTRAP=1 enables the sanitizer flags cargo-fuzz passes.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(step ifc_takeoff dxf)
shared=../../shared/datasets/bim
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  if [ -d "$shared" ]; then
    case $t in
      step|ifc_takeoff) find "$shared/ifc" -name '*.ifc' -size -300k -exec cp -n {} "corpus/$t/" \; ;;
      dxf) find "$shared/dxf" -name '*.dxf' -size -300k -exec cp -n {} "corpus/$t/" \; ;;
    esac
  fi
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=400000 -rss_limit_mb=2048 -timeout=20
done
