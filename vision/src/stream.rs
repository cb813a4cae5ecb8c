//! Camera streams: RTSP pulled with `retina` (interleaved over the RTSP TCP connection, which
//! crosses site routers and NAT where UDP does not) and H.264 decoded with `openh264`.
//!
//! Every frame must be decoded (H.264 frames depend on the previous ones), but only the frames
//! the analysis rate asks for are converted to RGB: conversion of a 1080p frame costs about as
//! much as decoding it.

use std::pin::Pin;
use std::time::Duration;

use futures::StreamExt;
use image::RgbImage;
use openh264::decoder::Decoder;
use openh264::formats::YUVSource;
use retina::client::{
    Credentials, Demuxed, PlayOptions, SessionOptions, SetupOptions, TcpTransportOptions, Transport,
};
use retina::codec::{CodecItem, FrameFormat};

use crate::error::{Result, VisionError};
use crate::preprocess::ImageLimits;

/// Time limits of a camera connection: a server that accepts and then says nothing must not
/// hold the camera's task forever.
#[derive(Debug, Clone, Copy)]
pub struct StreamTimeouts {
    pub connect: Duration,
    pub frame: Duration,
}

impl Default for StreamTimeouts {
    fn default() -> Self {
        StreamTimeouts {
            connect: Duration::from_secs(10),
            frame: Duration::from_secs(10),
        }
    }
}

/// `rtsp://user:secret@host/path` as `rtsp://user:***@host/path`, for logs and status.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => url
            .split('@')
            .next_back()
            .map(|h| format!("rtsp://***@{h}"))
            .unwrap_or_default(),
    }
}

/// H.264 access units in, RGB pictures out.
pub struct H264Decoder {
    decoder: Decoder,
    limits: ImageLimits,
    decoded: u64,
}

impl std::fmt::Debug for H264Decoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H264Decoder")
            .field("decoded", &self.decoded)
            .finish_non_exhaustive()
    }
}

impl H264Decoder {
    pub fn new(limits: ImageLimits) -> Result<Self> {
        let decoder =
            Decoder::new().map_err(|e| VisionError::Stream(format!("H.264 decoder: {e}")))?;
        Ok(H264Decoder {
            decoder,
            limits,
            decoded: 0,
        })
    }

    /// Decode one access unit (Annex B); the picture is returned only when `convert` is set.
    /// A corrupt unit is an error the caller may skip: the decoder recovers at the next key frame.
    pub fn decode(&mut self, unit: &[u8], convert: bool) -> Result<Option<RgbImage>> {
        let yuv = self.decoder.decode(unit).map_err(|e| {
            VisionError::Stream(format!(
                "H.264 frame {} does not decode: {e}",
                self.decoded + 1
            ))
        })?;
        let Some(yuv) = yuv else { return Ok(None) };
        self.decoded += 1;
        if !convert {
            return Ok(None);
        }
        let (w, h) = yuv.dimensions();
        self.limits.check(w as u32, h as u32)?;
        let mut rgb = vec![0u8; w * h * 3];
        yuv.write_rgb8(&mut rgb);
        Ok(RgbImage::from_raw(w as u32, h as u32, rgb))
    }

    pub fn decoded(&self) -> u64 {
        self.decoded
    }
}

/// Pictures of a raw H.264 (Annex B) file, e.g. what `ffmpeg -c copy -f h264` or a camera's
/// export writes; every `every`-th decoded picture is converted.
pub fn h264_file_pictures(
    bytes: &[u8],
    every: usize,
    limits: ImageLimits,
    mut each: impl FnMut(usize, RgbImage) -> bool,
) -> Result<usize> {
    if !bytes.starts_with(&[0, 0, 0, 1]) && !bytes.starts_with(&[0, 0, 1]) {
        return Err(VisionError::Stream(
            "not an H.264 Annex B stream (no start code at byte 0)".into(),
        ));
    }
    let mut dec = H264Decoder::new(limits)?;
    let every = every.max(1) as u64;
    let mut shown = 0;
    for (i, nal) in openh264::nal_units(bytes).enumerate() {
        let due = dec.decoded().is_multiple_of(every);
        match dec.decode(nal, due) {
            Ok(Some(img)) => {
                shown += 1;
                if !each(dec.decoded() as usize - 1, img) {
                    break;
                }
            }
            Ok(None) => {}
            Err(e @ VisionError::ImageSize { .. }) => return Err(e),
            Err(e) => tracing::debug!(nal = i, error = %e, "skipping a unit that does not decode"),
        }
    }
    Ok(shown)
}

/// Pictures of a video file: MP4 (or MOV) with an H.264 track, or a raw H.264 stream; one
/// picture every `1 / fps` seconds of the video's own clock (a raw stream has none and is
/// taken as 25 fps). `each` gets the decoded frame's index, its time in seconds and the
/// picture, and returns false to stop. The kind is told from the content, not the name.
pub fn video_file_pictures(
    path: &std::path::Path,
    fps: f32,
    limits: ImageLimits,
    max_index_bytes: u64,
    mut each: impl FnMut(usize, f64, RgbImage) -> bool,
) -> Result<usize> {
    use std::io::Read;
    let io = |e: std::io::Error| VisionError::Stream(format!("{}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut head = [0u8; 8];
    let got = file.read(&mut head).map_err(io)?;
    let step = 1.0 / f64::from(fps.clamp(0.001, 1000.0));
    if !crate::mp4::sniff(&head[..got]) {
        drop(file);
        let bytes = std::fs::read(path).map_err(io)?;
        let every = (25.0 * step).round().max(1.0) as usize;
        return h264_file_pictures(&bytes, every, limits, |i, img| {
            each(i, i as f64 / 25.0, img)
        });
    }
    let mut file = std::io::BufReader::new(file);
    let video = crate::mp4::Mp4Video::open(&mut file, max_index_bytes)?;
    limits.check(video.width.max(1), video.height.max(1))?;
    let mut dec = H264Decoder::new(limits)?;
    let (mut due, mut shown) = (0.0f64, 0usize);
    for (i, s) in video.samples.iter().enumerate() {
        let unit = video.access_unit(&mut file, s)?;
        let t = video.seconds(s);
        let convert = t + 1e-6 >= due;
        match dec.decode(&unit, convert) {
            Ok(Some(img)) => {
                shown += 1;
                due = t + step;
                if !each(dec.decoded() as usize - 1, t, img) {
                    break;
                }
            }
            Ok(None) => {}
            Err(e @ VisionError::ImageSize { .. }) => return Err(e),
            Err(e) => {
                tracing::debug!(sample = i, error = %e, "skipping a sample that does not decode")
            }
        }
    }
    Ok(shown)
}

/// One live RTSP connection.
pub struct RtspCamera {
    session: Pin<Box<Demuxed>>,
    decoder: H264Decoder,
    stream: usize,
    frame_timeout: Duration,
}

impl std::fmt::Debug for RtspCamera {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RtspCamera")
            .field("stream", &self.stream)
            .finish_non_exhaustive()
    }
}

/// Picture or not, what one step of the stream gave.
#[derive(Debug)]
pub enum Step {
    /// A frame was decoded and converted, as asked.
    Picture(RgbImage),
    /// A frame was decoded (or skipped as undecodable) but not converted.
    Frame,
}

impl RtspCamera {
    /// DESCRIBE, SETUP of the first H.264 video stream, PLAY, all within `timeouts.connect`.
    pub async fn connect(url: &str, timeouts: StreamTimeouts, limits: ImageLimits) -> Result<Self> {
        let shown = redact(url);
        let mut parsed = url::Url::parse(url)
            .map_err(|e| VisionError::Config(format!("camera URL {shown}: {e}")))?;
        if !matches!(parsed.scheme(), "rtsp" | "rtsps") {
            return Err(VisionError::Config(format!(
                "camera URL {shown}: the scheme must be rtsp://"
            )));
        }
        let creds = (!parsed.username().is_empty()).then(|| Credentials {
            username: decode_pct(parsed.username()),
            password: decode_pct(parsed.password().unwrap_or("")),
        });
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        let setup = async {
            let options = SessionOptions::default()
                .creds(creds)
                .user_agent(format!("chantier/{}", env!("CARGO_PKG_VERSION")));
            let mut session = retina::client::Session::describe(parsed, options)
                .await
                .map_err(|e| VisionError::Stream(format!("{shown}: DESCRIBE failed: {e}")))?;
            let stream = session
                .streams()
                .iter()
                .position(|s| {
                    s.media() == "video" && s.encoding_name().eq_ignore_ascii_case("h264")
                })
                .ok_or_else(|| {
                    let found: Vec<String> = session
                        .streams()
                        .iter()
                        .map(|s| format!("{}/{}", s.media(), s.encoding_name()))
                        .collect();
                    VisionError::Stream(format!(
                        "{shown}: no H.264 video stream (found {})",
                        found.join(", ")
                    ))
                })?;
            session
                .setup(
                    stream,
                    SetupOptions::default()
                        .transport(Transport::Tcp(TcpTransportOptions::default()))
                        .frame_format(FrameFormat::SIMPLE),
                )
                .await
                .map_err(|e| VisionError::Stream(format!("{shown}: SETUP failed: {e}")))?;
            let playing = session
                .play(PlayOptions::default())
                .await
                .map_err(|e| VisionError::Stream(format!("{shown}: PLAY failed: {e}")))?;
            let demuxed = playing
                .demuxed()
                .map_err(|e| VisionError::Stream(format!("{shown}: {e}")))?;
            Ok::<_, VisionError>((demuxed, stream))
        };
        let (demuxed, stream) = tokio::time::timeout(timeouts.connect, setup)
            .await
            .map_err(|_| {
                VisionError::Stream(format!("{shown}: no answer within {:?}", timeouts.connect))
            })??;
        Ok(RtspCamera {
            session: Box::pin(demuxed),
            decoder: H264Decoder::new(limits)?,
            stream,
            frame_timeout: timeouts.frame,
        })
    }

    /// The next video frame, converted when `convert` is set. Errors when the server closes
    /// the stream, sends something that is not RTSP, or sends no frame within the frame timeout.
    pub async fn next(&mut self, convert: bool) -> Result<Step> {
        loop {
            let item = tokio::time::timeout(self.frame_timeout, self.session.next())
                .await
                .map_err(|_| {
                    VisionError::Stream(format!("no frame for {:?}", self.frame_timeout))
                })?;
            let frame = match item {
                None => return Err(VisionError::Stream("the server closed the stream".into())),
                Some(Err(e)) => return Err(VisionError::Stream(e.to_string())),
                Some(Ok(CodecItem::VideoFrame(f))) if f.stream_id() == self.stream => f,
                Some(Ok(_)) => continue,
            };
            return match self.decoder.decode(frame.data(), convert) {
                Ok(Some(img)) => Ok(Step::Picture(img)),
                Ok(None) => Ok(Step::Frame),
                Err(e @ VisionError::ImageSize { .. }) => Err(e),
                Err(e) => {
                    tracing::debug!(error = %e, "skipping a frame that does not decode");
                    Ok(Step::Frame)
                }
            };
        }
    }

    pub fn decoded(&self) -> u64 {
        self.decoder.decoded()
    }
}

fn decode_pct(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact("rtsp://admin:s%40cret@10.0.0.5:554/live"),
            "rtsp://admin:***@10.0.0.5:554/live"
        );
        assert_eq!(redact("rtsp://10.0.0.5/live"), "rtsp://10.0.0.5/live");
        assert_eq!(decode_pct("s%40cret"), "s@cret");
        assert_eq!(decode_pct("100%"), "100%");
    }

    #[test]
    fn a_file_that_is_not_h264_is_refused() {
        let err =
            h264_file_pictures(b"GIF89a....", 1, ImageLimits::default(), |_, _| true).unwrap_err();
        assert!(err.to_string().contains("Annex B"), "{err}");
    }

    #[tokio::test]
    async fn a_server_that_never_answers_times_out() {
        // Accepts the TCP connection and says nothing, as a hung camera does.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hold = tokio::spawn(async move {
            let (_sock, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
        let t = StreamTimeouts {
            connect: Duration::from_millis(300),
            frame: Duration::from_secs(1),
        };
        let err = RtspCamera::connect(&format!("rtsp://u:p@{addr}/x"), t, ImageLimits::default())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("no answer"), "{err}");
        assert!(!err.to_string().contains(":p@"), "password leaked: {err}");
        hold.abort();
    }

    #[tokio::test]
    async fn a_server_that_sends_garbage_is_an_error() {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut sock, _) = listener.accept().await.unwrap();
            let _ = sock.write_all(&[0xffu8; 4096]).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        let err = RtspCamera::connect(
            &format!("rtsp://{addr}/x"),
            StreamTimeouts::default(),
            ImageLimits::default(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("DESCRIBE failed"), "{err}");
    }
}
