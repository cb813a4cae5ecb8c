#!/usr/bin/env python3
"""Side-by-side speed on PDF plans: pdfplumber (pdfminer.six) against chantier, same files.

Setup, once, from the repository root (.venv-bench is git-ignored and shared with
benches/compare.py; the pin matches shared/datasets/bim/reference/*.pdf.json):

    python3 -m venv .venv-bench
    ./.venv-bench/bin/pip install pdfplumber==0.11.10 pypdf
    cargo build --release

Usage:

    ./.venv-bench/bin/python benches/compare_plans.py FILE.pdf [FILE.pdf ...]
        [--runs N]                 best of N runs per tool (default 3)
        [--chantier-cmd CMD]       default: "target/release/chantier takeoff {pdf} --format json"
                                   ({pdf} is replaced by the quoted absolute path; the command
                                   runs from the repository root)
        [--skip-chantier]          time pdfplumber only
        [--json OUT.json]          also write the figures as JSON

pdfplumber's side is its full extraction, in this process: open the file and, for every page,
`page.chars`, `page.lines`, `page.curves`, `page.rects` and `page.extract_words()` (a fresh
open each run, so nothing is cached between runs). chantier's side is the wall-clock time of
the whole command (process start included); its JSON output is parsed and the `text_chars` of
every `pages[]` entry are summed, to print next to pdfplumber's char count.

Prints one table per file: tool, seconds, chars (and words/lines/curves/rects for pdfplumber),
and the ratio pdfplumber_time / chantier_time. Exits non-zero when the chantier command fails
or prints no usable JSON (the error is printed; pdfplumber's figures are still shown).
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CMD = "target/release/chantier takeoff {pdf} --format json"


def pdfplumber_once(path):
    import pdfplumber

    t0 = time.perf_counter()
    counts = {"pages": 0, "chars": 0, "lines": 0, "curves": 0, "rects": 0, "words": 0}
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            counts["pages"] += 1
            counts["chars"] += len(page.chars)
            counts["lines"] += len(page.lines)
            counts["curves"] += len(page.curves)
            counts["rects"] += len(page.rects)
            counts["words"] += len(page.extract_words())
            page.close()  # drop the page's cached layout, as a streaming reader would
    return time.perf_counter() - t0, counts


def time_pdfplumber(path, runs):
    best, counts = None, None
    for _ in range(runs):
        dt, counts = pdfplumber_once(path)
        best = dt if best is None else min(best, dt)
    return best, counts


def find_pages(obj, out):
    """Every dict in a `pages` list anywhere in chantier's JSON (one file or several)."""
    if isinstance(obj, dict):
        pages = obj.get("pages")
        if isinstance(pages, list):
            out.extend(p for p in pages if isinstance(p, dict))
        for k, v in obj.items():
            if k != "pages":
                find_pages(v, out)
    elif isinstance(obj, list):
        for v in obj:
            find_pages(v, out)
    return out


def run_chantier(cmd_template, path, runs):
    """Best wall-clock of `runs` runs and the parsed figures; raises RuntimeError on failure."""
    cmd = cmd_template.replace("{pdf}", shlex.quote(path))
    argv = shlex.split(cmd)
    best, stdout = None, None
    for _ in range(runs):
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(argv, cwd=ROOT, capture_output=True)
        except OSError as e:
            raise RuntimeError(f"cannot run {cmd!r}: {e}") from e
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            err = proc.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(f"{cmd!r} exited with {proc.returncode}:\n{err[-2000:]}")
        stdout = proc.stdout
        best = dt if best is None else min(best, dt)
    try:
        doc = json.loads(stdout)
    except ValueError as e:
        head = stdout[:300].decode("utf-8", "replace")
        raise RuntimeError(f"{cmd!r} printed no JSON ({e}); output starts: {head!r}") from e
    pages = find_pages(doc, [])
    if not pages:
        raise RuntimeError(f"{cmd!r}: no pages[] in the JSON output")
    chars = sum(int(p.get("text_chars") or 0) for p in pages)
    return best, {"pages": len(pages), "chars": chars}


def fmt_row(cols, widths):
    return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(cols, widths)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pdfs", nargs="+", metavar="FILE.pdf")
    ap.add_argument("--runs", type=int, default=3, help="best of N runs per tool (default 3)")
    ap.add_argument("--chantier-cmd", default=DEFAULT_CMD, help=f"default: {DEFAULT_CMD!r}")
    ap.add_argument("--skip-chantier", action="store_true", help="time pdfplumber only")
    ap.add_argument("--json", metavar="OUT.json", help="also write the figures as JSON")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")
    try:
        import pdfplumber
    except ImportError:
        sys.exit("pdfplumber is missing: run this with ./.venv-bench/bin/python (see the docstring)")

    failed = False
    results = []
    widths = (12, 9, 8, 7, 8, 7, 7, 6)
    for pdf in args.pdfs:
        path = os.path.abspath(pdf)
        if not os.path.isfile(path):
            print(f"{pdf}: no such file", file=sys.stderr)
            failed = True
            continue
        size = os.path.getsize(path)
        r = {"file": os.path.basename(path), "size_bytes": size, "runs": args.runs,
             "pdfplumber_version": pdfplumber.__version__}
        pl_s, pl = time_pdfplumber(path, args.runs)
        r["pdfplumber"] = {"seconds": round(pl_s, 4), **pl}
        ch_s, ch, err = None, None, None
        if not args.skip_chantier:
            try:
                ch_s, ch = run_chantier(args.chantier_cmd, path, args.runs)
                r["chantier"] = {"seconds": round(ch_s, 4), **ch}
            except RuntimeError as e:
                err = str(e)
                r["chantier"] = {"error": err}
                failed = True

        print(f"\n{r['file']}  ({pl['pages']} pages, {size / 1e6:.2f} MB, best of {args.runs})")
        print(fmt_row(("tool", "seconds", "chars", "words", "lines", "curves", "rects", "pages"), widths))
        print(fmt_row(("pdfplumber", f"{pl_s:.3f}", pl["chars"], pl["words"], pl["lines"], pl["curves"],
                       pl["rects"], pl["pages"]), widths))
        if ch is not None:
            print(fmt_row(("chantier", f"{ch_s:.3f}", ch["chars"], "", "", "", "", ch["pages"]), widths))
            ratio = pl_s / ch_s if ch_s > 0 else float("inf")
            r["ratio_pdfplumber_over_chantier"] = round(ratio, 2)
            print(f"ratio pdfplumber/chantier: {ratio:.1f}x", end="")
            if ch["chars"] != pl["chars"]:
                print(f"   (chars differ: chantier {ch['chars']} vs pdfplumber {pl['chars']})", end="")
            print()
        elif err is not None:
            print(fmt_row(("chantier", "FAILED", "", "", "", "", "", ""), widths), flush=True)
            print(f"chantier error: {err}", file=sys.stderr, flush=True)
        results.append(r)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
