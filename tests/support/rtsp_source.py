#!/usr/bin/python3
"""A local RTSP camera for tests and demos: GStreamer's RTSP server from Debian.

    apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-ugly gstreamer1.0-plugins-good
    /usr/bin/python3 tests/support/rtsp_source.py --port 8554            # rtsp://127.0.0.1:8554/cam
    /usr/bin/python3 tests/support/rtsp_source.py --picture site.jpg     # a still photo as a camera
    /usr/bin/python3 tests/support/rtsp_source.py --video clip.mp4       # a recorded H.264 clip

The test pattern moves (GStreamer's `ball`), so motion gating lets frames through; a picture
is shown still with a moving timestamp overlay. Prints `ready rtsp://...` once listening.
Run it with Debian's python3: the `gi` bindings come from the distribution, not from PyPI.
"""

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def pipeline(args: argparse.Namespace) -> str:
    caps = f"video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1"
    if args.video:
        # Pre-encoded H.264 in MP4: served as recorded, no encoding cost (for load measurements).
        return f'( filesrc location="{args.video}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )'
    if args.picture:
        source = (
            f'filesrc location="{args.picture}" ! decodebin ! videoconvert ! imagefreeze is-live=true '
            f"! videoscale ! videorate ! {caps} ! timeoverlay"
        )
    else:
        source = f"videotestsrc is-live=true pattern={args.pattern} ! {caps}"
    return (
        f"( {source} ! videoconvert ! video/x-raw,format=I420 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps * 2} bitrate={args.kbps} "
        "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=8554)
    p.add_argument("--path", default="/cam")
    p.add_argument("--width", type=int, default=1920)
    p.add_argument("--height", type=int, default=1080)
    p.add_argument("--fps", type=int, default=25)
    p.add_argument("--kbps", type=int, default=4000)
    p.add_argument("--pattern", default="ball")
    p.add_argument("--picture", help="a JPEG or PNG shown as a still camera")
    p.add_argument("--video", help="an MP4 file with H.264 video, served as recorded")
    args = p.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(pipeline(args))
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    print(f"ready rtsp://127.0.0.1:{server.get_bound_port()}{args.path}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
