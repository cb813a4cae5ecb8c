#!/usr/bin/env python3
"""Plan OCR, side by side in one run: one `tesseract` process on the whole sheet against
chantier's tiled OCR, on the same generated A1 sheet scanned at 300 dpi (9933x7016).

    python3 benches/compare_ocr.py [--runs 3] [--threads 2] [--skew 0] [--keep DIR]
        [--tile PX] [--overlap PX] [--raw]

Needs `tesseract` with French and English data (apt-get install tesseract-ocr
tesseract-ocr-fra tesseract-ocr-eng) and builds the two examples it runs (release):

- `vision/examples/ocr_sheet.rs` draws the sheet with DejaVu Sans (rooms, names, areas,
  dimensions, hatching, notes, title block, grey noisy paper) and writes the truth: every
  drawn word with its box. Generated data only.
- `vision/examples/ocr_page.rs` reads it with `chantier_vision::ocr::read_scan` (skew,
  binarisation, tiles in parallel) and prints the words as JSON.

The reference is `tesseract page.png out --psm 11 -l fra+eng --dpi 300 tsv`: sparse text,
the same mode, languages and resolution chantier gives its engines, on the whole page, run
both as is and with OMP_THREAD_LIMIT=1; the ratio is against the faster of the two. Both
sides are timed as whole processes (start, PNG decode, OCR, output), best of --runs;
chantier runs with OMP_THREAD_LIMIT=1 (one OpenMP thread per Tesseract engine, the tiles
are the parallelism) and --threads workers.

Word accuracy: the fraction of drawn words read with exactly the same text and a box centre
within the drawn box (grown by half its height). `extra` counts words read that match no
drawn word (hatching and wall ends read as letters, split or misread words).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "target" / "release" / "examples"


def build() -> None:
    subprocess.run(
        ["cargo", "build", "--release", "--locked", "-p", "chantier-vision",
         "--example", "ocr_sheet", "--example", "ocr_page"],
        cwd=ROOT, check=True,
    )


def truth(path: Path) -> list[tuple[str, list[float]]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        text, *box = line.split("\t")
        rows.append((text, [float(v) for v in box]))
    return rows


def tesseract_words(tsv: Path) -> list[tuple[str, list[float]]]:
    words = []
    with tsv.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            text = (row.get("text") or "").strip()
            if row["level"] != "5" or not text or float(row["conf"]) < 0:
                continue
            x, y = float(row["left"]), float(row["top"])
            words.append((text, [x, y, x + float(row["width"]), y + float(row["height"])]))
    return words


def chantier_words(doc: dict) -> list[tuple[str, list[float]]]:
    return [(w["text"], [w["x0"], w["y0"], w["x1"], w["y1"]]) for w in doc["words"]]


def accuracy(expected, read) -> tuple[float, int, int]:
    """(fraction of drawn words found exactly, found, extra read words)."""
    used = [False] * len(read)
    found = 0
    for text, (x0, y0, x1, y1) in expected:
        grow = (y1 - y0) / 2
        for i, (t, b) in enumerate(read):
            if used[i] or t != text:
                continue
            cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
            if x0 - grow <= cx <= x1 + grow and y0 - grow <= cy <= y1 + grow:
                used[i] = True
                found += 1
                break
    return found / max(1, len(expected)), found, used.count(False)


def timed(cmd: list[str], env: dict, stdout=None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=stdout, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skew", type=float, default=0.0, help="turn the sheet (degrees)")
    ap.add_argument("--tile", type=int, help="chantier tile_px (default: OcrConfig's)")
    ap.add_argument("--overlap", type=int, help="chantier overlap_px")
    ap.add_argument("--raw", action="store_true", help="chantier without deskew/binarise")
    ap.add_argument("--keep", type=Path, help="write the sheet and outputs here")
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()

    if shutil.which("tesseract") is None:
        print("SKIPPED: tesseract is not installed", file=sys.stderr)
        return 1
    if not args.no_build:
        build()
    work = args.keep or Path(tempfile.mkdtemp(prefix="compare_ocr_"))
    work.mkdir(parents=True, exist_ok=True)
    page, truth_path = work / "page.png", work / "truth.tsv"
    subprocess.run(
        [str(EXAMPLES / "ocr_sheet"), str(page), str(truth_path), "--skew", str(args.skew)],
        check=True,
    )
    expected = truth(truth_path)

    ref_cmd = ["tesseract", str(page), str(work / "ref"), "--psm", "11",
               "-l", "fra+eng", "--dpi", "300", "tsv"]
    ours_cmd = [str(EXAMPLES / "ocr_page"), str(page), "--threads", str(args.threads)]
    if args.tile:
        ours_cmd += ["--tile", str(args.tile)]
    if args.overlap is not None:
        ours_cmd += ["--overlap", str(args.overlap)]
    if args.raw:
        ours_cmd.append("--raw")
    # Debian's Tesseract is built with OpenMP; on a busy machine its default threads spin
    # and can make it several times slower, so the reference also runs with one thread and
    # the faster of the two is the one compared against.
    ref_envs = {
        "tesseract, whole page": dict(os.environ),
        "tesseract, whole page, OMP_THREAD_LIMIT=1": dict(os.environ, OMP_THREAD_LIMIT="1"),
    }
    ours_env = dict(os.environ, OMP_THREAD_LIMIT="1")

    ref_times: dict[str, list[float]] = {name: [] for name in ref_envs}
    ours_times: list[float] = []
    for _ in range(max(1, args.runs)):
        for name, env in ref_envs.items():
            ref_times[name].append(timed(ref_cmd, env))
        with (work / "ours.json").open("w") as out:
            ours_times.append(timed(ours_cmd, ours_env, stdout=out))
    doc = json.loads((work / "ours.json").read_text())
    ref_acc, ref_found, ref_extra = accuracy(expected, tesseract_words(work / "ref.tsv"))
    our_acc, our_found, our_extra = accuracy(expected, chantier_words(doc))
    our_t = min(ours_times)
    ref_t = min(min(t) for t in ref_times.values())

    print(f"sheet {doc['width']}x{doc['height']}, {len(expected)} drawn words, "
          f"skew {args.skew} deg (chantier measured {doc['skew_deg']:.2f}), "
          f"{doc['tiles']} tiles read on {args.threads} workers; best of {args.runs} runs")
    print(f"{'':42} {'seconds':>8} {'accuracy':>9} {'found':>6} {'extra':>6}")
    for name, times in ref_times.items():
        print(f"{name:42} {min(times):8.2f} {ref_acc:9.1%} {ref_found:6d} {ref_extra:6d}")
    print(f"{'chantier, tiled':42} {our_t:8.2f} {our_acc:9.1%} {our_found:6d} {our_extra:6d}")
    print(f"ratio {ref_t / our_t:.2f}x against the faster tesseract "
          f"(goal >= 1.8x with the same or better accuracy)")
    for name, times in ref_times.items():
        print(f"  runs, {name}: {', '.join(f'{t:.2f}' for t in times)}")
    print(f"  runs, chantier: {', '.join(f'{t:.2f}' for t in ours_times)}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
