"""Measure the shipped ONNX model on the val split of ../shared/datasets/ppe, for the model card.

Evaluates the exported file itself (what chantier runs), through Ultralytics' validator, and
writes `metrics.json` beside the model: precision, recall, mAP50, mAP50-95 overall and per class.

    .venv-train/bin/python models/ppe/evaluate.py [--model models/ppe/ppe-yolo11n.onnx]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from offline import CLASSES, HERE, data_yaml, prepare_offline


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=HERE / "ppe-yolo11n.onnx")
    p.add_argument("--data", type=Path, default=HERE.parents[1].parent / "shared/datasets/ppe")
    p.add_argument("--runs", type=Path, default=Path(os.environ.get("CHANTIER_TRAIN_RUNS", "runs")))
    p.add_argument("--imgsz", type=int, default=416)
    p.add_argument("--out", type=Path, default=HERE / "metrics.json")
    args = p.parse_args()

    prepare_offline()
    from ultralytics import YOLO

    data = data_yaml(args.data, args.runs.resolve())
    r = YOLO(str(args.model), task="detect").val(
        data=str(data), imgsz=args.imgsz, batch=1, device="cpu", plots=False, verbose=False,
        project=str(args.runs.resolve()), name="ppe-eval", exist_ok=True,
    )
    per_class = {}
    for i, name in enumerate(CLASSES):
        if i in list(r.box.ap_class_index):
            k = list(r.box.ap_class_index).index(i)
            p_, r_, ap50, ap = r.box.class_result(k)
            per_class[name] = {"precision": round(float(p_), 4), "recall": round(float(r_), 4),
                               "mAP50": round(float(ap50), 4), "mAP50-95": round(float(ap), 4)}
    metrics = {
        "model": args.model.name,
        "split": "val",
        "images": sum(1 for _ in (args.data / "val" / "images").iterdir()),
        "imgsz": args.imgsz,
        "precision": round(float(r.box.mp), 4),
        "recall": round(float(r.box.mr), 4),
        "mAP50": round(float(r.box.map50), 4),
        "mAP50-95": round(float(r.box.map), 4),
        "per_class": per_class,
    }
    args.out.write_text(json.dumps(metrics, indent=2) + "\n")
    print(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
