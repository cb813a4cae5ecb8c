//! `chantier detect` as a user runs it: JSON Lines with stable keys, annotated output,
//! folders, MP4 and raw H.264 video, and a non-zero exit when a file fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use image::{ImageFormat, RgbImage};

fn chantier(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_chantier"))
        .args(args)
        .output()
        .unwrap()
}

fn fixture_model() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("vision/tests/fixtures/yolo11-layout.onnx")
        .display()
        .to_string()
}

fn write_picture(dir: &Path, name: &str, w: u32, h: u32) -> String {
    let p = dir.join(name);
    let format = if name.ends_with(".png") {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    RgbImage::from_pixel(w, h, image::Rgb([120, 110, 100]))
        .save_with_format(&p, format)
        .unwrap();
    p.display().to_string()
}

fn lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn json_lines_keep_the_documented_keys() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_picture(dir.path(), "a.jpg", 256, 128);
    let b = write_picture(dir.path(), "b.png", 128, 64);
    let model = fixture_model();
    let out = chantier(&["detect", "--json", "--model", &model, &a, &b]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = lines(&out);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["file"], a.as_str());
    assert_eq!(
        (v[0]["width"].as_u64(), v[0]["height"].as_u64()),
        (Some(256), Some(128))
    );
    let det = &v[0]["detections"][0];
    let keys: Vec<&str> = det
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["box", "class", "confidence"]);
    assert_eq!(det["box"].as_array().unwrap().len(), 4);
    let heads: Vec<&serde_json::Value> = v[0]["detections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["class"] == "no_helmet")
        .collect();
    assert_eq!(
        heads[0]["box"],
        serde_json::json!([112.0, 0.0, 144.0, 16.0])
    );
    let viol = &v[0]["violations"][0];
    for key in ["rule", "box", "confidence"] {
        assert!(viol.get(key).is_some(), "violation lacks {key}: {viol}");
    }
    assert_eq!(v[1]["file"], b.as_str());
    assert_eq!(v[1]["width"], 128);
}

#[test]
fn a_failing_file_is_reported_and_the_exit_code_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_picture(dir.path(), "good.jpg", 128, 64);
    let bad = dir.path().join("bad.jpg");
    std::fs::write(&bad, b"\xff\xd8\xff\xe0 broken").unwrap();
    let bad = bad.display().to_string();
    let model = fixture_model();
    let out = chantier(&["detect", "--json", "--model", &model, &bad, &good]);
    assert!(!out.status.success());
    let v = lines(&out);
    assert_eq!(
        v.len(),
        2,
        "the good file is still analysed after the bad one"
    );
    assert_eq!(v[0]["file"], bad.as_str());
    assert!(
        v[0]["error"].as_str().unwrap().contains("image"),
        "{}",
        v[0]
    );
    assert!(v[1]["detections"].is_array());

    let out = chantier(&["detect", "--model", "/nonexistent/model.onnx", &good]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/model.onnx"));
}

#[test]
fn a_folder_gives_one_annotated_picture_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let pics = dir.path().join("pics");
    std::fs::create_dir(&pics).unwrap();
    write_picture(&pics, "one.jpg", 256, 128);
    write_picture(&pics, "two.png", 256, 128);
    std::fs::write(pics.join("notes.txt"), "not a picture").unwrap();
    let out_dir = dir.path().join("out");
    let model = fixture_model();
    let out = chantier(&[
        "detect",
        "--model",
        &model,
        "--out",
        out_dir.to_str().unwrap(),
        pics.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("VIOLATION no_helmet"), "{table}");
    let mut made: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, ["one.jpg.annotated.jpg", "two.png.annotated.jpg"]);
    let img = image::open(out_dir.join("one.jpg.annotated.jpg")).unwrap();
    assert_eq!((img.width(), img.height()), (256, 128));
}

/// Runs a GStreamer pipeline that writes `target`; false (after a SKIPPED message, and a
/// failure on CI, which installs it) when GStreamer or x264enc is missing.
fn gst(pipeline: &[&str], target: &Path) -> bool {
    let made = Command::new("gst-launch-1.0")
        .arg("-q")
        .args(pipeline)
        .args(["!", "filesink"])
        .arg(format!("location={}", target.display()))
        .output()
        .is_ok_and(|o| o.status.success());
    if !made {
        eprintln!(
            "SKIPPED: gst-launch-1.0 with x264enc is not installed (gstreamer1.0-tools, gstreamer1.0-plugins-ugly)"
        );
        assert!(std::env::var_os("CI").is_none(), "CI installs GStreamer");
    }
    made
}

/// A raw H.264 stream is encoded here with GStreamer when it is installed.
#[test]
fn a_raw_h264_video_is_sampled() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("clip.h264");
    let pipeline = [
        "videotestsrc",
        "num-buffers=50",
        "pattern=ball",
        "!",
        "video/x-raw,width=320,height=240,framerate=25/1",
        "!",
        "x264enc",
        "key-int-max=25",
        "!",
        "video/x-h264,stream-format=byte-stream,profile=baseline",
    ];
    if !gst(&pipeline, &video) {
        return;
    }
    let model = fixture_model();
    let v = video.display().to_string();
    // 50 frames at 25 fps, 5 pictures per second asked: every 5th frame, 10 in all, --frames 4 stops at 4.
    let out = chantier(&[
        "detect", "--json", "--model", &model, "--fps", "5", "--frames", "4", &v,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    let names: Vec<&str> = l.iter().map(|x| x["file"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            format!("{v}#0"),
            format!("{v}#5"),
            format!("{v}#10"),
            format!("{v}#15")
        ]
    );
    assert_eq!(l[0]["width"], 320);

    std::fs::write(dir.path().join("fake.h264"), b"RIFF not h264").unwrap();
    let fake = dir.path().join("fake.h264").display().to_string();
    let out = chantier(&["detect", "--json", "--model", &model, &fake]);
    assert!(!out.status.success());
    assert!(
        lines(&out)[0]["error"]
            .as_str()
            .unwrap()
            .contains("Annex B")
    );
}

/// 40 frames at 10 fps of the test pattern, as MP4 (progressive or fragmented).
fn test_pattern_mp4(target: &Path, fragmented: bool) -> bool {
    let mux = if fragmented {
        "fragment-duration=1000"
    } else {
        "faststart=false"
    };
    gst(
        &[
            "videotestsrc",
            "num-buffers=40",
            "pattern=ball",
            "!",
            "video/x-raw,width=320,height=240,framerate=10/1",
            "!",
            "x264enc",
            "key-int-max=10",
            "!",
            "video/x-h264,profile=baseline",
            "!",
            "mp4mux",
            mux,
        ],
        target,
    )
}

/// MP4 is sampled on its own clock: 2 pictures per second of a 10 fps video is every 5th
/// frame, whether the file is progressive or fragmented (as cameras record).
#[test]
fn an_mp4_video_is_sampled_on_its_clock() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model();
    for fragmented in [false, true] {
        let video = dir.path().join(format!("clip-{fragmented}.mp4"));
        if !test_pattern_mp4(&video, fragmented) {
            return;
        }
        let v = video.display().to_string();
        let out = chantier(&[
            "detect", "--json", "--model", &model, "--fps", "2", "--frames", "3", &v,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let l = lines(&out);
        let names: Vec<&str> = l.iter().map(|x| x["file"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [format!("{v}#0"), format!("{v}#5"), format!("{v}#10")],
            "fragmented: {fragmented}"
        );
        assert_eq!(
            (l[0]["width"].as_u64(), l[0]["height"].as_u64()),
            (Some(320), Some(240))
        );
    }
}

/// A recording cut short (power lost while writing a fragmented MP4) still gives the
/// pictures it holds; a file named .mp4 that is not one is a clear error.
#[test]
fn a_cut_or_fake_mp4_is_handled() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("clip.mp4");
    if !test_pattern_mp4(&video, true) {
        return;
    }
    let bytes = std::fs::read(&video).unwrap();
    let cut = dir.path().join("cut.mp4");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let model = fixture_model();
    let c = cut.display().to_string();
    let out = chantier(&[
        "detect", "--json", "--model", &model, "--fps", "10", "--frames", "100", &c,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n = lines(&out).len();
    assert!(
        (10..40).contains(&n),
        "{n} pictures from two thirds of 40 frames"
    );

    // Every cut of the file, and every byte flipped in its index, reads or fails cleanly.
    use chantier_vision::mp4::Mp4Video;
    for end in (0..bytes.len()).step_by(61) {
        let mut r = std::io::Cursor::new(&bytes[..end]);
        if let Ok(v) = Mp4Video::open(&mut r, 1 << 20) {
            for s in &v.samples {
                let _ = v.access_unit(&mut r, s);
            }
        }
    }
    for i in 0..bytes.len().min(1200) {
        let mut b = bytes.clone();
        b[i] ^= 0xA5;
        let mut r = std::io::Cursor::new(&b);
        if let Ok(v) = Mp4Video::open(&mut r, 1 << 20) {
            for s in &v.samples {
                let _ = v.access_unit(&mut r, s);
            }
        }
    }

    let fake = dir.path().join("fake.mp4");
    let mut junk = b"\0\0\0\x18ftypisom\0\0\0\0isomavc1".to_vec();
    junk.extend_from_slice(&[0, 0, 0, 9, b'm', b'o', b'o', b'v', 1]);
    std::fs::write(&fake, &junk).unwrap();
    let f = fake.display().to_string();
    let out = chantier(&["detect", "--json", "--model", &model, &f]);
    assert!(!out.status.success());
    let e = lines(&out)[0]["error"].as_str().unwrap().to_string();
    assert!(e.contains("MP4") && e.contains("no video track"), "{e}");
}

/// The frames of an MP4 made from a real site photo give the photo's detections with the
/// shipped model: same classes, boxes in the same place (H.264 compression moves them a
/// little). Needs ../shared/datasets/ppe.
#[test]
fn mp4_frames_give_the_photos_detections() {
    let photo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets/ppe/val/images/000005.jpg");
    if !photo.exists() {
        eprintln!(
            "SKIPPED: {} is absent (../shared/datasets/ppe)",
            photo.display()
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // H.264 wants even sides: the photo at 640x480, as PNG so the still loses nothing.
    let still = dir.path().join("site.png");
    image::open(&photo)
        .unwrap()
        .resize_exact(640, 480, image::imageops::FilterType::Triangle)
        .save(&still)
        .unwrap();
    let video = dir.path().join("site.mp4");
    let src = format!("location={}", still.display());
    let made = gst(
        &[
            "filesrc",
            &src,
            "!",
            "pngdec",
            "!",
            "videoconvert",
            "!",
            "imagefreeze",
            "num-buffers=10",
            "!",
            "video/x-raw,framerate=5/1",
            "!",
            "videoconvert",
            "!",
            "x264enc",
            "pass=quant",
            "quantizer=10",
            "key-int-max=5",
            "!",
            "video/x-h264,profile=high",
            "!",
            "mp4mux",
        ],
        &video,
    );
    if !made {
        return;
    }
    let p = still.display().to_string();
    let v = video.display().to_string();
    let still = lines(&chantier(&["detect", "--json", &p]));
    let moving = lines(&chantier(&["detect", "--json", "--fps", "1", &v]));
    assert_eq!(moving.len(), 2, "10 frames at 5 fps, one picture a second");
    // Confident boxes of the photo are looked for among all boxes of the frames: compression
    // moves confidences by a few points.
    let boxes = |x: &serde_json::Value, min: f64| -> Vec<(String, [f64; 4])> {
        x["detections"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["confidence"].as_f64().unwrap() > min)
            .map(|d| {
                let b: Vec<f64> = d["box"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect();
                (
                    d["class"].as_str().unwrap().to_string(),
                    [b[0], b[1], b[2], b[3]],
                )
            })
            .collect()
    };
    let want = boxes(&still[0], 0.4);
    assert!(!want.is_empty(), "the photo has confident detections");
    assert_eq!(moving[0]["width"], still[0]["width"]);
    for frame in &moving {
        let got = boxes(frame, 0.0);
        for (class, b) in &want {
            let best = got
                .iter()
                .filter(|(c, _)| c == class)
                .map(|(_, g)| iou(b, g))
                .fold(0.0, f64::max);
            assert!(
                best > 0.8,
                "{class} {b:?} found at IoU {best:.2} in {}",
                frame["file"]
            );
        }
    }
}

fn iou(a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let ix = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
    let iy = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
    let inter = ix * iy;
    inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
}
