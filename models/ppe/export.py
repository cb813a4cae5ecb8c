"""Export the trained PPE detector to ONNX for chantier (a one-off developer step).

Fixed 1x3xHxW input (no dynamic axes), opset 17, simplified, with Ultralytics' metadata
(`names`, `imgsz`, `task`) that chantier reads. The model card beside it (ppe-yolo11n.toml)
declares the class roles.

    .venv-train/bin/python models/ppe/export.py [--weights runs/ppe/weights/best.pt] [--out models/ppe/ppe-yolo11n.onnx]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from offline import HERE, prepare_offline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    runs = Path(os.environ.get("CHANTIER_TRAIN_RUNS", "runs"))
    parser.add_argument("--weights", type=Path, default=runs / "ppe" / "weights" / "best.pt")
    parser.add_argument("--out", type=Path, default=HERE / "ppe-yolo11n.onnx")
    parser.add_argument("--imgsz", type=int, default=416)
    args = parser.parse_args()

    prepare_offline()
    from ultralytics import YOLO

    model = YOLO(str(args.weights))
    exported = model.export(format="onnx", imgsz=args.imgsz, opset=17, simplify=True, dynamic=False, device="cpu")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(exported, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
