"""Settings shared by the training, export and evaluation scripts: keep Ultralytics offline.

Ultralytics fetches fonts and weights on demand; on a machine without internet those fetches
hang or fail, so the font it wants is provided from the system and update checks are off.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLASSES = ["helmet", "no_helmet", "no_wear", "wear"]


def prepare_offline() -> None:
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("OMP_NUM_THREADS", str(os.cpu_count() or 2))
    from ultralytics import settings
    from ultralytics.utils import USER_CONFIG_DIR

    USER_CONFIG_DIR.mkdir(parents=True, exist_ok=True)
    for font in ("Arial.ttf", "Arial.Unicode.ttf"):
        target = USER_CONFIG_DIR / font
        if not target.exists():
            for candidate in (
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            ):
                if Path(candidate).exists():
                    shutil.copy(candidate, target)
                    break
    off = {"sync": False, "hub": False, "wandb": False, "tensorboard": False, "mlflow": False}
    settings.update({k: v for k, v in off.items() if k in settings})


def data_yaml(dataset: Path, runs: Path) -> Path:
    """Write a data yaml with absolute paths, so the shared folder is read where it lies."""
    dataset = dataset.resolve()
    if not (dataset / "train" / "images").is_dir():
        raise SystemExit(f"PPE data set not found at {dataset} (expected train/images and val/images)")
    runs.mkdir(parents=True, exist_ok=True)
    out = runs / "ppe-data.yaml"
    names = "\n".join(f"  {i}: {n}" for i, n in enumerate(CLASSES))
    out.write_text(f"path: {dataset}\ntrain: train/images\nval: val/images\nnames:\n{names}\n")
    return out
