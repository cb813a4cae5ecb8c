"""Sustained camera load: how many 1080p cameras at 2 fps this machine analyses without drops.

For N = 1, 2, 3... it starts N local RTSP cameras (GStreamer's RTSP server, tests/support/
rtsp_source.py) serving a pre-encoded 1080p25 H.264 clip (so the sources cost almost no CPU),
runs `chantier serve` with the N cameras and the shipped model, waits for a warm-up, then reads
the Prometheus metrics over a measurement window: frames analysed and dropped per camera, frames
skipped by motion gating, and the mean wait in the shared inference queue.

    cargo build --release
    python3 benches/cameras.py [--max 6] [--seconds 40] [--fps 2]

Needs gst-launch-1.0 with x264enc (gstreamer1.0-tools, gstreamer1.0-plugins-ugly) and Debian's
python3-gi with gir1.2-gst-rtsp-server-1.0.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clip(path: Path, seconds: int) -> None:
    """A 1080p25 clip with motion everywhere in time (a moving ball over a test pattern)."""
    subprocess.run(
        ["gst-launch-1.0", "-q", "videotestsrc", f"num-buffers={seconds * 25}", "pattern=ball",
         "!", "video/x-raw,width=1920,height=1080,framerate=25/1", "!", "x264enc", "speed-preset=veryfast",
         "key-int-max=50", "bitrate=4000", "!", "video/x-h264,profile=baseline", "!", "h264parse", "!",
         "mp4mux", "!", "filesink", f"location={path}"],
        check=True,
    )


def metrics(addr: str) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://{addr}/metrics", timeout=5).read().decode()
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"^(\S+?)(\{[^}]*\})?\s+(\S+)", line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def total(m: dict[str, float], name: str) -> float:
    return sum(v for k, v in m.items() if k.split("{")[0] == name)


INFER = 'chantier_vision_stage_seconds_sum{stage="inference"}'


def run(n: int, video: Path, seconds: int, fps: float, binary: Path) -> dict:
    sources = []
    urls = []
    for _ in range(n):
        port = free_port()
        p = subprocess.Popen(["/usr/bin/python3", str(ROOT / "tests/support/rtsp_source.py"), "--port", str(port),
                              "--video", str(video)], stdout=subprocess.PIPE, text=True)
        urls.append(p.stdout.readline().split()[1])
        sources.append(p)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "chantier.toml"
        # Motion gating off: every sampled frame is analysed, the worst case of a busy site.
        cfg.write_text("".join(f'[[cameras]]\nname = "cam{i}"\nurl = "{u}"\nfps = {fps}\nmotion = {{ min_changed = 0.0 }}\n'
                               for i, u in enumerate(urls)))
        metrics_addr = f"127.0.0.1:{free_port()}"
        env = dict(os.environ, CHANTIER_CONFIG=str(cfg), CHANTIER_METRICS_LISTEN=metrics_addr, CHANTIER_LOG="warn",
                   CHANTIER_DATA_DIR=tmp)
        server = subprocess.Popen([str(binary), "serve", "--listen", f"127.0.0.1:{free_port()}"], env=env)
        try:
            time.sleep(8)  # connect, first key frame, warm-up
            a = metrics(metrics_addr)
            time.sleep(seconds)
            b = metrics(metrics_addr)
        finally:
            server.terminate()
            server.wait()
            for p in sources:
                p.terminate()
                p.wait()
    d = lambda name: total(b, name) - total(a, name)  # noqa: E731
    analysed = d("chantier_vision_frames_analysed_total")
    waits = d("chantier_vision_queue_wait_seconds_count")
    return {
        "cameras": n,
        "analysed_per_s": analysed / seconds,
        "expected_per_s": n * fps,
        "dropped": d("chantier_vision_frames_dropped_total"),
        "skipped_motion": d("chantier_vision_frames_skipped_motion_total"),
        "queue_wait_ms": 1000 * d("chantier_vision_queue_wait_seconds_sum") / waits if waits else float("nan"),
        "inference_ms": 1000 * (b.get(INFER, 0) - a.get(INFER, 0)) / max(analysed, 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--min", type=int, default=1)
    p.add_argument("--max", type=int, default=12)
    p.add_argument("--seconds", type=int, default=40)
    p.add_argument("--fps", type=float, default=2.0)
    p.add_argument("--binary", type=Path, default=ROOT / "target/release/chantier")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "clip.mp4"
        clip(video, args.seconds + 20)
        print(f"{os.cpu_count()} cores, 1920x1080 H.264 25 fps sources, analysis at {args.fps} fps per camera")
        print("cameras | analysed/s (expected) | dropped | skipped (motion) | queue wait ms | inference ms")
        for n in range(args.min, args.max + 1):
            r = run(n, video, args.seconds, args.fps, args.binary)
            print(f"{r['cameras']:7} | {r['analysed_per_s']:6.2f} ({r['expected_per_s']:.0f}) | {r['dropped']:7.0f} | "
                  f"{r['skipped_motion']:16.0f} | {r['queue_wait_ms']:13.1f} | {r['inference_ms']:.1f}", flush=True)
            if r["dropped"] > 0 and n > 1:
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
