"""chantier against Ultralytics' own pipeline, side by side in one run, on the same ONNX file
and the same 1080p JPEGs: end-to-end throughput (file on disk to boxes) and agreement of the
detections (same class, box IoU > 0.99).

    python3 -m venv .venv-bench && .venv-bench/bin/pip install ultralytics onnxruntime
    cargo build --release
    .venv-bench/bin/python benches/compare_vision.py [--model models/ppe/ppe-yolo11n.onnx] [--n 40]

Ultralytics runs `YOLO(model).predict(file)` per picture (its documented use, onnxruntime on
CPU); chantier runs `chantier detect --json` over the same files. chantier's process start
and model load are measured apart (one picture) and taken out, as Ultralytics' load is.
Pictures: ../shared/datasets/ppe/val scaled to 1920x1080 (the camera size of the issue).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pictures(n: int, out: Path) -> list[Path]:
    from PIL import Image

    src = ROOT.parent / "shared/datasets/ppe/val/images"
    if not src.is_dir():
        sys.exit(f"SKIPPED: {src} is absent")
    files = sorted(src.iterdir())[:n]
    made = []
    for f in files:
        target = out / (f.stem + (".png" if os.environ.get("COMPARE_PNG") else ".jpg"))
        Image.open(f).convert("RGB").resize((1920, 1080), Image.BILINEAR).save(target, quality=90)
        made.append(target)
    return made


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def ultralytics_run(model: Path, files: list[Path], imgsz: int):
    os.environ.setdefault("YOLO_OFFLINE", "1")
    from ultralytics import YOLO

    yolo = YOLO(str(model), task="detect")
    yolo.predict(str(files[0]), imgsz=imgsz, device="cpu", verbose=False)  # load and warm up
    out = {}
    t = time.perf_counter()
    for f in files:
        r = yolo.predict(str(f), imgsz=imgsz, conf=0.25, iou=0.7, device="cpu", verbose=False)[0]
        names = r.names
        out[f.name] = [
            (names[int(c)], [float(v) for v in xyxy], float(s))
            for xyxy, c, s in zip(r.boxes.xyxy.tolist(), r.boxes.cls.tolist(), r.boxes.conf.tolist())
        ]
    return out, time.perf_counter() - t


def chantier_run(binary: Path, model: Path, files: list[Path]):
    def run(fs):
        t = time.perf_counter()
        p = subprocess.run(
            [str(binary), "detect", "--json", "--model", str(model), "--confidence", "0.25", "--iou", "0.7", *map(str, fs)],
            capture_output=True,
            text=True,
            check=True,
        )
        return p.stdout, time.perf_counter() - t

    _, start = run(files[:1])
    _, start2 = run(files[:1])
    stdout, total = run(files)
    out = {}
    for line in stdout.splitlines():
        v = json.loads(line)
        out[Path(v["file"]).name] = [(d["class"], d["box"], d["confidence"]) for d in v["detections"]]
    return out, total, min(start, start2)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=ROOT / "models/ppe/ppe-yolo11n.onnx")
    p.add_argument("--binary", type=Path, default=ROOT / "target/release/chantier")
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--imgsz", type=int, default=416)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = pictures(args.n, Path(tmp))
        ours, total, start = chantier_run(args.binary, args.model, files)
        # Per-picture time: the whole run minus one start-up (process, model load, first picture),
        # over the pictures after the first.
        ours_s = max(total - start, 1e-9) / (len(files) - 1)
        theirs, their_total = ultralytics_run(args.model, files, args.imgsz)
        theirs_s = their_total / len(files)
    matched = total_u = total_c = 0
    worst = 1.0
    for name, boxes in theirs.items():
        mine = ours.get(name, [])
        total_u += len(boxes)
        total_c += len(mine)
        for cls, box, _ in boxes:
            best = max((iou(box, b) for c, b, _ in mine if c == cls), default=0.0)
            worst = min(worst, best)
            matched += best > 0.99
            if best <= 0.99 and os.environ.get("VERBOSE"):
                near = max(mine, key=lambda m: iou(box, m[1]) if m[0] == cls else -1, default=None)
                print(f"  {name}: {cls} {[round(v, 1) for v in box]} vs {near}", file=sys.stderr)
    print(f"model {args.model.name}, {len(files)} pictures 1920x1080, 2 cores")
    print(f"ultralytics predict: {1 / theirs_s:6.2f} pictures/s ({theirs_s * 1000:.1f} ms each)")
    print(f"chantier detect:     {1 / ours_s:6.2f} pictures/s ({ours_s * 1000:.1f} ms each; start-up {start:.2f} s apart)")
    print(f"throughput ratio chantier / ultralytics: {theirs_s / ours_s:.2f}x")
    print(
        f"detections: ultralytics {total_u}, chantier {total_c}; "
        f"{matched}/{total_u} matched with the same class and IoU > 0.99 (worst best-IoU {worst:.4f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
