"""Train chantier's PPE detector from the labelled site photos in ../shared/datasets/ppe.

A one-off developer step, not part of CI: CI and users run the committed ONNX file.
Everything here works offline: the network is not reachable from the build machines, so
the model starts from the YOLO11n architecture yaml (random weights, fixed seed) and no
font, weight or dataset is downloaded.

    python3 -m venv .venv-train && .venv-train/bin/pip install ultralytics onnx onnxruntime onnxslim
    .venv-train/bin/python models/ppe/train.py --epochs 16 --imgsz 416
    .venv-train/bin/python models/ppe/train.py --resume          # after an interruption
    .venv-train/bin/python models/ppe/export.py                  # best.pt -> models/ppe/ppe-yolo11n.onnx
    .venv-train/bin/python models/ppe/evaluate.py                # metrics for the model card
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from offline import HERE, data_yaml, prepare_offline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=HERE.parents[1].parent / "shared/datasets/ppe")
    parser.add_argument("--runs", type=Path, default=Path(os.environ.get("CHANTIER_TRAIN_RUNS", "runs")))
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--imgsz", type=int, default=416)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="continue from runs/ppe/weights/last.pt")
    parser.add_argument("--start", type=Path, help="start from these weights (a later stage) instead of the yaml")
    parser.add_argument("--name", default="ppe", help="run name under --runs")
    args = parser.parse_args()

    prepare_offline()
    from ultralytics import YOLO  # imported after the offline settings take effect

    last = args.runs.resolve() / args.name / "weights" / "last.pt"
    if args.resume:
        if not last.exists():
            print(f"nothing to resume: {last} is missing", file=sys.stderr)
            return 2
        YOLO(str(last)).train(resume=True)
        return 0

    # Architecture only: no pretrained weights exist offline. A later stage starts from an
    # earlier stage's best weights (still this project's own training, nothing downloaded).
    model = YOLO(str(args.start)) if args.start else YOLO("yolo11n.yaml")
    model.train(
        data=str(data_yaml(args.data, args.runs.resolve())),
        epochs=args.epochs,
        imgsz=args.imgsz,
        batch=args.batch,
        workers=args.workers,
        device="cpu",
        seed=args.seed,
        deterministic=True,
        pretrained=bool(args.start),
        amp=False,
        plots=False,
        cache="ram",
        close_mosaic=max(1, args.epochs // 6),
        project=str(args.runs.resolve()),
        name=args.name,
        exist_ok=True,
        verbose=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
