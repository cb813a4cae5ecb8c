//! `chantier detect` as a user runs it: JSON Lines with stable keys, annotated output,
//! folders, raw H.264 video, and a non-zero exit when a file fails.

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

/// A raw H.264 stream is encoded here with GStreamer when it is installed.
#[test]
fn a_raw_h264_video_is_sampled() {
    let dir = tempfile::tempdir().unwrap();
    let video = dir.path().join("clip.h264");
    let made = Command::new("gst-launch-1.0")
        .args([
            "-q",
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
            "!",
            "filesink",
        ])
        .arg(format!("location={}", video.display()))
        .output()
        .is_ok_and(|o| o.status.success());
    if !made {
        eprintln!(
            "SKIPPED: gst-launch-1.0 with x264enc is not installed (gstreamer1.0-tools, gstreamer1.0-plugins-ugly)"
        );
        assert!(std::env::var_os("CI").is_none(), "CI installs GStreamer");
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
