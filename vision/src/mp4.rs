//! MP4 (ISO base media file) demuxing of the first H.264 video track: what phones, NVRs and
//! camera exports write. Only what detection needs is read: the decoder configuration
//! (`avcC`: SPS, PPS and the NAL length size), and each sample's place in the file, size,
//! decode time and whether it is a key frame. Both layouts are read: progressive files (one
//! sample table in `moov`) and fragmented ones (`moof`/`trun`, as cameras and
//! `-movflags frag_keyframe` write them).
//!
//! The index boxes are read into memory up to a limit; samples are read one at a time, so a
//! long recording costs its index, not its size. Errors name the box and its byte offset.

use std::io::{Read, Seek, SeekFrom};

use crate::error::{Result, VisionError};

/// Largest `moov` or `moof` box read into memory by default (an hour of 25 fps video
/// indexes in about 2 MB).
pub const DEFAULT_MAX_INDEX_BYTES: u64 = 256 << 20;

/// Most samples in a track (110 hours at 25 fps) and largest sample read (one frame).
const MAX_SAMPLES: usize = 10_000_000;
const MAX_SAMPLE_BYTES: u32 = 64 << 20;

/// One sample (one access unit) of the video track.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    pub offset: u64,
    pub size: u32,
    /// Decode time in the track's timescale.
    pub time: u64,
    pub key: bool,
}

/// The H.264 track of an MP4 file.
#[derive(Debug, Clone)]
pub struct Mp4Video {
    pub width: u32,
    pub height: u32,
    /// Ticks per second of [`Sample::time`].
    pub timescale: u32,
    pub samples: Vec<Sample>,
    nal_length: usize,
    parameter_sets: Vec<Vec<u8>>,
}

/// `true` when the bytes start like an ISO base media file (`ftyp`, or a `moov`/`mdat`/
/// `free` box first, as some muxers write).
pub fn sniff(head: &[u8]) -> bool {
    head.len() >= 8 && matches!(&head[4..8], b"ftyp" | b"moov" | b"mdat" | b"free" | b"styp")
}

fn err(at: u64, what: &str, msg: impl std::fmt::Display) -> VisionError {
    VisionError::Stream(format!("MP4 box {what} at byte {at}: {msg}"))
}

/// A box inside an index box held in memory.
struct Node<'a> {
    kind: [u8; 4],
    /// Payload (after the header).
    body: &'a [u8],
    /// File offset of the box start, for messages.
    at: u64,
}

impl Node<'_> {
    fn name(&self) -> String {
        String::from_utf8_lossy(&self.kind).into_owned()
    }
}

/// Children of a payload: `base` is the file offset of `data[0]`.
fn children(data: &[u8], base: u64) -> Result<Vec<Node<'_>>> {
    let mut out = Vec::new();
    let mut i = 0usize;
    while i + 8 <= data.len() {
        let at = base + i as u64;
        let size32 = u32::from_be_bytes(data[i..i + 4].try_into().unwrap_or_default()) as u64;
        let kind: [u8; 4] = data[i + 4..i + 8].try_into().unwrap_or_default();
        let (header, size) = match size32 {
            0 => (8u64, (data.len() - i) as u64),
            1 => {
                if i + 16 > data.len() {
                    return Err(err(at, &String::from_utf8_lossy(&kind), "truncated header"));
                }
                (
                    16,
                    u64::from_be_bytes(data[i + 8..i + 16].try_into().unwrap_or_default()),
                )
            }
            s => (8, s),
        };
        if size < header || size > (data.len() - i) as u64 {
            return Err(err(
                at,
                &String::from_utf8_lossy(&kind),
                format!(
                    "size {size} does not fit in its parent ({} bytes left)",
                    data.len() - i
                ),
            ));
        }
        out.push(Node {
            kind,
            body: &data[i + header as usize..i + size as usize],
            at,
        });
        i += size as usize;
    }
    Ok(out)
}

fn child<'a>(nodes: &'a [Node<'a>], kind: &[u8; 4]) -> Option<&'a Node<'a>> {
    nodes.iter().find(|n| &n.kind == kind)
}

fn inside<'a>(node: &Node<'a>) -> Result<Vec<Node<'a>>> {
    children(node.body, node.at + 8)
}

/// Big-endian fields of one box payload, with the box named in errors.
struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
    at: u64,
    name: String,
}

impl<'a> Fields<'a> {
    fn of(node: &Node<'a>) -> Fields<'a> {
        Fields {
            data: node.body,
            pos: 0,
            at: node.at,
            name: node.name(),
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.pos + n > self.data.len() {
            return Err(err(self.at, &self.name, "truncated"));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(
            self.take(2)?.try_into().unwrap_or_default(),
        ))
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(
            self.take(4)?.try_into().unwrap_or_default(),
        ))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(
            self.take(8)?.try_into().unwrap_or_default(),
        ))
    }
    /// Version and flags of a full box.
    fn full(&mut self) -> Result<(u8, u32)> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0x00FF_FFFF))
    }
    /// A count of entries of `entry` bytes each, checked against what is left.
    fn count(&mut self, entry: usize) -> Result<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(entry) > self.data.len() - self.pos {
            return Err(err(
                self.at,
                &self.name,
                format!("{n} entries do not fit in the box"),
            ));
        }
        Ok(n)
    }
}

/// A top-level box as found in the file.
struct Top {
    kind: [u8; 4],
    at: u64,
    header: u64,
    size: u64,
}

fn top_boxes<R: Read + Seek>(r: &mut R, len: u64) -> Result<Vec<Top>> {
    let mut out = Vec::new();
    let mut at = 0u64;
    while at + 8 <= len {
        r.seek(SeekFrom::Start(at))
            .map_err(|e| err(at, "header", e))?;
        let mut h = [0u8; 16];
        r.read_exact(&mut h[..8])
            .map_err(|e| err(at, "header", e))?;
        let kind: [u8; 4] = h[4..8].try_into().unwrap_or_default();
        let (header, size) = match u32::from_be_bytes(h[..4].try_into().unwrap_or_default()) {
            0 => (8, len - at),
            1 => {
                r.read_exact(&mut h[8..16])
                    .map_err(|e| err(at, "header", e))?;
                (
                    16,
                    u64::from_be_bytes(h[8..16].try_into().unwrap_or_default()),
                )
            }
            s => (8, s as u64),
        };
        if size < header {
            return Err(err(
                at,
                &String::from_utf8_lossy(&kind),
                format!("size {size} is smaller than its header"),
            ));
        }
        // A recording cut short (the camera lost power) keeps what it wrote: the last box
        // is taken as far as the file goes.
        let size = size.min(len - at);
        out.push(Top {
            kind,
            at,
            header,
            size,
        });
        at += size;
    }
    Ok(out)
}

fn read_box<R: Read + Seek>(r: &mut R, b: &Top, max: u64) -> Result<Vec<u8>> {
    let name = String::from_utf8_lossy(&b.kind).into_owned();
    let body = b.size - b.header;
    if body > max {
        return Err(err(
            b.at,
            &name,
            format!("{body} bytes is over the index limit of {max}"),
        ));
    }
    let mut data = vec![0u8; body as usize];
    r.seek(SeekFrom::Start(b.at + b.header))
        .and_then(|_| r.read_exact(&mut data))
        .map_err(|e| err(b.at, &name, e))?;
    Ok(data)
}

/// What `trex` says about a track's fragments when a fragment does not.
#[derive(Debug, Clone, Copy, Default)]
struct Defaults {
    duration: u32,
    size: u32,
    flags: u32,
}

const NON_SYNC: u32 = 0x0001_0000;

impl Mp4Video {
    /// Reads the index of the first H.264 video track of the file.
    pub fn open<R: Read + Seek>(r: &mut R, max_index_bytes: u64) -> Result<Mp4Video> {
        let len = r
            .seek(SeekFrom::End(0))
            .map_err(|e| VisionError::Stream(format!("MP4: {e}")))?;
        let tops = top_boxes(r, len)?;
        let moov_box = tops.iter().find(|b| &b.kind == b"moov").ok_or_else(|| {
            VisionError::Stream("MP4: no moov box (not a finished MP4 file, or not MP4)".into())
        })?;
        let moov_data = read_box(r, moov_box, max_index_bytes)?;
        let moov = children(&moov_data, moov_box.at + moov_box.header)?;
        let (mut video, track_id, defaults) = Self::video_track(&moov)?;
        for b in tops.iter().filter(|b| &b.kind == b"moof") {
            let data = read_box(r, b, max_index_bytes)?;
            video.fragment(&data, b, track_id, defaults)?;
        }
        if video.samples.is_empty() {
            return Err(VisionError::Stream(
                "MP4: the video track has no samples".into(),
            ));
        }
        if let Some(s) = video
            .samples
            .iter()
            .find(|s| s.offset + s.size as u64 > len)
        {
            tracing::warn!(
                offset = s.offset,
                "MP4 samples beyond the end of the file (a cut recording); reading up to there"
            );
            video.samples.retain(|s| s.offset + s.size as u64 <= len);
        }
        Ok(video)
    }

    fn video_track(moov: &[Node<'_>]) -> Result<(Mp4Video, u32, Defaults)> {
        let mut seen = Vec::new();
        for trak in moov.iter().filter(|n| &n.kind == b"trak") {
            let t = inside(trak)?;
            let Some(mdia) = child(&t, b"mdia") else {
                continue;
            };
            let m = inside(mdia)?;
            let handler = match child(&m, b"hdlr") {
                Some(h) => {
                    let mut f = Fields::of(h);
                    f.full()?;
                    f.u32()?;
                    f.take(4)?.to_vec()
                }
                None => continue,
            };
            if handler != b"vide" {
                continue;
            }
            let minf = child(&m, b"minf").ok_or_else(|| err(mdia.at, "mdia", "no minf"))?;
            let mi = inside(minf)?;
            let stbl = child(&mi, b"stbl").ok_or_else(|| err(minf.at, "minf", "no stbl"))?;
            let st = inside(stbl)?;
            let stsd = child(&st, b"stsd").ok_or_else(|| err(stbl.at, "stbl", "no stsd"))?;
            let codec = sample_entry(stsd)?;
            let Some((width, height, nal_length, parameter_sets)) = codec.avc else {
                seen.push(codec.name);
                continue;
            };
            let tkhd = child(&t, b"tkhd").ok_or_else(|| err(trak.at, "trak", "no tkhd"))?;
            let mut f = Fields::of(tkhd);
            let (v, _) = f.full()?;
            f.take(if v == 1 { 16 } else { 8 })?;
            let track_id = f.u32()?;
            let mdhd = child(&m, b"mdhd").ok_or_else(|| err(mdia.at, "mdia", "no mdhd"))?;
            let mut f = Fields::of(mdhd);
            let (v, _) = f.full()?;
            f.take(if v == 1 { 16 } else { 8 })?;
            let timescale = f.u32()?.max(1);
            let defaults = fragment_defaults(moov, track_id)?;
            let samples = sample_table(&st)?;
            return Ok((
                Mp4Video {
                    width,
                    height,
                    timescale,
                    samples,
                    nal_length,
                    parameter_sets,
                },
                track_id,
                defaults,
            ));
        }
        Err(VisionError::Stream(if seen.is_empty() {
            "MP4: no video track".into()
        } else {
            format!(
                "MP4: the video is {} (only H.264 is decoded: avc1/avc3)",
                seen.join(", ")
            )
        }))
    }

    /// Adds the samples of one `moof` that belong to the track.
    fn fragment(&mut self, data: &[u8], b: &Top, track_id: u32, d: Defaults) -> Result<()> {
        let moof_start = b.at;
        for traf in children(data, b.at + b.header)?
            .iter()
            .filter(|n| &n.kind == b"traf")
        {
            let parts = inside(traf)?;
            let tfhd = child(&parts, b"tfhd").ok_or_else(|| err(traf.at, "traf", "no tfhd"))?;
            let mut f = Fields::of(tfhd);
            let (_, flags) = f.full()?;
            if f.u32()? != track_id {
                continue;
            }
            let mut base = moof_start;
            let mut dflt = d;
            if flags & 0x01 != 0 {
                base = f.u64()?;
            }
            if flags & 0x02 != 0 {
                f.u32()?;
            }
            if flags & 0x08 != 0 {
                dflt.duration = f.u32()?;
            }
            if flags & 0x10 != 0 {
                dflt.size = f.u32()?;
            }
            if flags & 0x20 != 0 {
                dflt.flags = f.u32()?;
            }
            let mut time = match child(&parts, b"tfdt") {
                Some(t) => {
                    let mut f = Fields::of(t);
                    let (v, _) = f.full()?;
                    if v == 1 { f.u64()? } else { f.u32()? as u64 }
                }
                None => self
                    .samples
                    .last()
                    .map_or(0, |s| s.time + dflt.duration as u64),
            };
            for trun in parts.iter().filter(|n| &n.kind == b"trun") {
                let mut f = Fields::of(trun);
                let (_, tf) = f.full()?;
                let per = [0x100u32, 0x200, 0x400, 0x800]
                    .iter()
                    .filter(|&&bit| tf & bit != 0)
                    .count()
                    * 4;
                let n = {
                    let head = 4 * (usize::from(tf & 0x01 != 0) + usize::from(tf & 0x04 != 0));
                    let n = f.u32()? as usize;
                    if n.saturating_mul(per).saturating_add(head) > f.data.len() - f.pos {
                        return Err(err(trun.at, "trun", format!("{n} samples do not fit")));
                    }
                    n
                };
                if self.samples.len() + n > MAX_SAMPLES {
                    return Err(err(trun.at, "trun", format!("over {MAX_SAMPLES} samples")));
                }
                let mut offset = base;
                if tf & 0x01 != 0 {
                    offset = offset.saturating_add_signed(f.u32()? as i32 as i64);
                }
                let first_flags = if tf & 0x04 != 0 { Some(f.u32()?) } else { None };
                for i in 0..n {
                    let duration = if tf & 0x100 != 0 {
                        f.u32()?
                    } else {
                        dflt.duration
                    };
                    let size = if tf & 0x200 != 0 { f.u32()? } else { dflt.size };
                    let mut flags = if tf & 0x400 != 0 {
                        f.u32()?
                    } else {
                        dflt.flags
                    };
                    if tf & 0x800 != 0 {
                        f.u32()?;
                    }
                    if i == 0 {
                        flags = first_flags.unwrap_or(flags);
                    }
                    self.samples.push(Sample {
                        offset,
                        size,
                        time,
                        key: flags & NON_SYNC == 0,
                    });
                    offset += size as u64;
                    time += duration as u64;
                }
            }
        }
        Ok(())
    }

    /// The sample as an H.264 access unit in Annex B form (start codes), with the parameter
    /// sets in front of key frames so decoding can start at any of them.
    pub fn access_unit<R: Read + Seek>(&self, r: &mut R, s: &Sample) -> Result<Vec<u8>> {
        if s.size > MAX_SAMPLE_BYTES {
            return Err(VisionError::Stream(format!(
                "MP4 sample at byte {}: {} bytes is not one video frame",
                s.offset, s.size
            )));
        }
        let mut data = vec![0u8; s.size as usize];
        r.seek(SeekFrom::Start(s.offset))
            .and_then(|_| r.read_exact(&mut data))
            .map_err(|e| VisionError::Stream(format!("MP4 sample at byte {}: {e}", s.offset)))?;
        let mut out = Vec::with_capacity(data.len() + 64);
        if s.key {
            for ps in &self.parameter_sets {
                out.extend_from_slice(&[0, 0, 0, 1]);
                out.extend_from_slice(ps);
            }
        }
        let mut i = 0usize;
        while i + self.nal_length <= data.len() {
            let n = data[i..i + self.nal_length]
                .iter()
                .fold(0usize, |a, &b| (a << 8) | b as usize);
            i += self.nal_length;
            if n > data.len() - i {
                return Err(VisionError::Stream(format!(
                    "MP4 sample at byte {}: a NAL unit of {n} bytes overruns the sample",
                    s.offset
                )));
            }
            out.extend_from_slice(&[0, 0, 0, 1]);
            out.extend_from_slice(&data[i..i + n]);
            i += n;
        }
        Ok(out)
    }

    /// Seconds from the start of the track to the sample.
    pub fn seconds(&self, s: &Sample) -> f64 {
        s.time as f64 / self.timescale as f64
    }
}

struct Codec {
    name: String,
    /// Width, height, NAL length size and parameter sets of an H.264 entry.
    avc: Option<(u32, u32, usize, Vec<Vec<u8>>)>,
}

fn sample_entry(stsd: &Node<'_>) -> Result<Codec> {
    let mut f = Fields::of(stsd);
    f.full()?;
    f.u32()?;
    let entries = children(&stsd.body[8.min(stsd.body.len())..], stsd.at + 16)?;
    let entry = entries
        .first()
        .ok_or_else(|| err(stsd.at, "stsd", "no sample entry"))?;
    let name = entry.name();
    if !matches!(&entry.kind, b"avc1" | b"avc3") {
        return Ok(Codec { name, avc: None });
    }
    let mut f = Fields::of(entry);
    f.take(24)?;
    let (width, height) = (f.u16()? as u32, f.u16()? as u32);
    f.take(50)?;
    let boxes = children(&entry.body[78..], entry.at + 8 + 78)?;
    let avcc = child(&boxes, b"avcC").ok_or_else(|| err(entry.at, &name, "no avcC"))?;
    let mut f = Fields::of(avcc);
    f.take(4)?;
    let nal_length = (f.u8()? & 0x03) as usize + 1;
    let mut sets = Vec::new();
    let sps = f.u8()? & 0x1F;
    for _ in 0..sps {
        let n = f.u16()? as usize;
        sets.push(f.take(n)?.to_vec());
    }
    let pps = f.u8()?;
    for _ in 0..pps {
        let n = f.u16()? as usize;
        sets.push(f.take(n)?.to_vec());
    }
    Ok(Codec {
        name,
        avc: Some((width, height, nal_length, sets)),
    })
}

fn fragment_defaults(moov: &[Node<'_>], track_id: u32) -> Result<Defaults> {
    let Some(mvex) = child(moov, b"mvex") else {
        return Ok(Defaults::default());
    };
    for trex in inside(mvex)?.iter().filter(|n| &n.kind == b"trex") {
        let mut f = Fields::of(trex);
        f.full()?;
        if f.u32()? != track_id {
            continue;
        }
        f.u32()?;
        return Ok(Defaults {
            duration: f.u32()?,
            size: f.u32()?,
            flags: f.u32()?,
        });
    }
    Ok(Defaults::default())
}

/// The samples of a progressive track: sizes (`stsz`/`stz2`), chunk offsets (`stco`/`co64`),
/// samples per chunk (`stsc`), decode times (`stts`) and key frames (`stss`).
fn sample_table(st: &[Node<'_>]) -> Result<Vec<Sample>> {
    let mut sizes: Vec<u32> = Vec::new();
    if let Some(stsz) = child(st, b"stsz") {
        let mut f = Fields::of(stsz);
        f.full()?;
        let fixed = f.u32()?;
        if fixed != 0 {
            let n = f.u32()? as usize;
            if n > MAX_SAMPLES {
                return Err(err(stsz.at, "stsz", format!("{n} samples")));
            }
            sizes = vec![fixed; n];
        } else {
            let n = f.count(4)?;
            sizes = (0..n).map(|_| f.u32()).collect::<Result<_>>()?;
        }
    } else if let Some(stz2) = child(st, b"stz2") {
        let mut f = Fields::of(stz2);
        f.full()?;
        let bits = f.u32()? & 0xFF;
        let n = f.u32()? as usize;
        let need = n.saturating_mul(bits as usize).div_ceil(8);
        if !matches!(bits, 4 | 8 | 16) || need > f.data.len() - f.pos {
            return Err(err(stz2.at, "stz2", format!("{n} entries of {bits} bits")));
        }
        let raw = &f.data[f.pos..];
        sizes = (0..n)
            .map(|i| match bits {
                4 => ((raw[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0F) as u32,
                8 => raw[i] as u32,
                _ => u16::from_be_bytes([raw[2 * i], raw[2 * i + 1]]) as u32,
            })
            .collect();
    }
    if sizes.is_empty() {
        return Ok(Vec::new());
    }
    let chunks: Vec<u64> = if let Some(stco) = child(st, b"stco") {
        let mut f = Fields::of(stco);
        f.full()?;
        let n = f.count(4)?;
        (0..n)
            .map(|_| f.u32().map(u64::from))
            .collect::<Result<_>>()?
    } else if let Some(co64) = child(st, b"co64") {
        let mut f = Fields::of(co64);
        f.full()?;
        let n = f.count(8)?;
        (0..n).map(|_| f.u64()).collect::<Result<_>>()?
    } else {
        return Err(VisionError::Stream(
            "MP4: sample table without chunk offsets".into(),
        ));
    };
    let stsc = child(st, b"stsc").ok_or_else(|| VisionError::Stream("MP4: no stsc".into()))?;
    let mut f = Fields::of(stsc);
    f.full()?;
    let n = f.count(12)?;
    let mut runs = Vec::with_capacity(n);
    for _ in 0..n {
        let first = f.u32()?.max(1) as usize - 1;
        let per = f.u32()? as usize;
        f.u32()?;
        runs.push((first, per));
    }
    let mut samples = Vec::with_capacity(sizes.len());
    let mut next = 0usize;
    'runs: for (k, &(first, per)) in runs.iter().enumerate() {
        let end = runs
            .get(k + 1)
            .map_or(chunks.len(), |r| r.0)
            .min(chunks.len());
        for &chunk in chunks.get(first..end).unwrap_or_default() {
            let mut offset = chunk;
            for _ in 0..per {
                let Some(&size) = sizes.get(next) else {
                    break 'runs;
                };
                samples.push(Sample {
                    offset,
                    size,
                    time: 0,
                    key: true,
                });
                offset += size as u64;
                next += 1;
            }
        }
    }
    if let Some(stts) = child(st, b"stts") {
        let mut f = Fields::of(stts);
        f.full()?;
        let n = f.count(8)?;
        let (mut time, mut i) = (0u64, 0usize);
        for _ in 0..n {
            let (count, delta) = (f.u32()? as usize, f.u32()? as u64);
            for _ in 0..count {
                let Some(s) = samples.get_mut(i) else { break };
                s.time = time;
                time += delta;
                i += 1;
            }
        }
    }
    if let Some(stss) = child(st, b"stss") {
        let mut f = Fields::of(stss);
        f.full()?;
        let n = f.count(4)?;
        samples.iter_mut().for_each(|s| s.key = false);
        for _ in 0..n {
            let i = f.u32()? as usize;
            if let Some(s) = i.checked_sub(1).and_then(|i| samples.get_mut(i)) {
                s.key = true;
            }
        }
    }
    Ok(samples)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn not_mp4_and_truncated_boxes_are_clear_errors() {
        let mut r = std::io::Cursor::new(b"GIF89a, not a video at all".to_vec());
        let e = Mp4Video::open(&mut r, DEFAULT_MAX_INDEX_BYTES).unwrap_err();
        assert!(e.to_string().contains("no moov"), "{e}");

        // A moov whose child claims more bytes than it has.
        let mut bad = boxed(b"ftyp", b"isom\0\0\0\0");
        let mut trak = 4000u32.to_be_bytes().to_vec();
        trak.extend_from_slice(b"trak");
        bad.extend(boxed(b"moov", &trak));
        let e =
            Mp4Video::open(&mut std::io::Cursor::new(bad), DEFAULT_MAX_INDEX_BYTES).unwrap_err();
        assert!(e.to_string().contains("trak at byte 24"), "{e}");
    }

    #[test]
    fn the_index_limit_is_enforced() {
        let mut f = boxed(b"ftyp", b"isom\0\0\0\0");
        f.extend(boxed(b"moov", &[0u8; 4096]));
        let e = Mp4Video::open(&mut std::io::Cursor::new(f), 1024).unwrap_err();
        assert!(e.to_string().contains("over the index limit"), "{e}");
    }

    #[test]
    fn sniffing() {
        assert!(sniff(b"\0\0\0\x20ftypisom"));
        assert!(!sniff(b"\0\0\0\x01\x67"));
    }
}
