//! One entry point for every supported file: detects the format, unpacks archives within
//! limits, and runs the matching takeoff.

use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::BimError;
use crate::takeoff::Takeoff;

/// Formats the engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Ifc,
    IfcZip,
    Dxf,
    /// A PDF plan (vector or scanned).
    Pdf,
    /// A picture of a plan: PNG, JPEG or TIFF.
    Image,
}

impl Format {
    /// Parses a user's format hint ("ifc", "ifczip", "dxf", "pdf", "png"...; case-insensitive).
    pub fn from_hint(hint: &str) -> Option<Format> {
        match hint
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "ifc" | "step" | "stp" => Some(Format::Ifc),
            "ifczip" | "zip" => Some(Format::IfcZip),
            "dxf" => Some(Format::Dxf),
            "pdf" => Some(Format::Pdf),
            "png" | "jpg" | "jpeg" | "tif" | "tiff" | "image" => Some(Format::Image),
            _ => None,
        }
    }
}

/// Limits that keep one request from exhausting the machine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest input accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest decompressed IFC inside an .ifczip, in bytes (zip bombs stop here).
    pub max_decompressed_bytes: u64,
    /// Largest decompressed/compressed size ratio of an archive member. IFC text compresses
    /// 5 to 20 times; a member past this ratio is a bomb, refused before it fills memory.
    pub max_compression_ratio: u64,
    /// Pages read from one PDF.
    pub max_pdf_pages: u32,
    /// When set, a takeoff still running at this instant stops with a limit error instead of
    /// finishing for a client that has gone.
    #[serde(skip)]
    pub deadline: Option<std::time::Instant>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 1 << 30,
            max_decompressed_bytes: 2 << 30,
            max_compression_ratio: 100,
            max_pdf_pages: 500,
            deadline: None,
        }
    }
}

impl Format {
    /// A cautious estimate of the memory a takeoff of `bytes` of this format takes at its
    /// peak, for admission: peak RSS over file size measured with `chantier takeoff` on the
    /// shared corpus (IFC 4-7x, DXF 2-5x and 11-12x on 90-390 MB drawings, a vector PDF plan
    /// ~160x), with room to spare, plus the process's fixed costs. A scanned PDF costs its
    /// rendered pages, more than this says.
    pub fn memory_estimate(self, bytes: u64) -> u64 {
        let factor = match self {
            Format::Ifc => 8,
            // The member inflates (commonly 5 to 20 times) before being read as an IFC.
            Format::IfcZip => 80,
            Format::Dxf => 12,
            Format::Pdf => 160,
            // Compressed pictures: the server counts their pixels instead (header only).
            Format::Image => 40,
        };
        bytes.saturating_mul(factor).saturating_add(64 << 20)
    }
}

/// Detects a file's format from its content first (names lie), then from its extension.
pub fn detect(name: &str, bytes: &[u8]) -> Option<Format> {
    let head = &bytes[..bytes.len().min(4096)];
    if head[..head.len().min(1024)]
        .windows(5)
        .any(|w| w == b"%PDF-")
    {
        return Some(Format::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n")
        || head.starts_with(b"\xff\xd8\xff")
        || head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
    {
        return Some(Format::Image);
    }
    if head.starts_with(b"PK\x03\x04") {
        return Some(Format::IfcZip);
    }
    let trimmed = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(head, |p| &head[p..]);
    if trimmed.starts_with(b"ISO-10303-21") {
        return Some(Format::Ifc);
    }
    if head.starts_with(b"AutoCAD Binary DXF") {
        return Some(Format::Dxf);
    }
    let text = String::from_utf8_lossy(trimmed);
    let mut lines = text.lines().map(str::trim);
    if let (Some("0"), Some("SECTION")) = (lines.next(), lines.next()) {
        return Some(Format::Dxf);
    }
    if text.lines().take(4).any(|l| l.trim() == "999") && text.contains("SECTION") {
        return Some(Format::Dxf);
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    Format::from_hint(ext)
}

/// Runs the takeoff of one file held in memory.
pub fn takeoff_bytes(
    name: &str,
    bytes: Vec<u8>,
    hint: Option<Format>,
    limits: &Limits,
) -> Result<Takeoff, BimError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(BimError::Limit(format!(
            "{name} is {} bytes, over the {} byte limit",
            bytes.len(),
            limits.max_file_bytes
        )));
    }
    let detected = detect(name, &bytes);
    let format = match (detected, hint) {
        (Some(d), _) => d,
        (None, Some(h)) => h,
        (None, None) => {
            return Err(BimError::UnknownFormat(format!(
                "{name}: neither an IFC (ISO-10303-21), an .ifczip, a DXF, a PDF nor a PNG/JPEG/TIFF plan"
            )));
        }
    };
    match format {
        Format::Ifc => ifc_takeoff(name, bytes, limits),
        Format::IfcZip => {
            let inner = unzip_ifc(&bytes, limits)?;
            ifc_takeoff(name, inner, limits)
        }
        Format::Dxf => crate::dxf::takeoff_dxf(name, &bytes),
        Format::Pdf | Format::Image => {
            crate::plan::read::takeoff_plan(name, &bytes, format, limits)
        }
    }
}

/// Reads a file from disk and runs its takeoff.
pub fn takeoff_path(
    path: &std::path::Path,
    hint: Option<Format>,
    limits: &Limits,
) -> Result<Takeoff, BimError> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > limits.max_file_bytes {
        return Err(BimError::Limit(format!(
            "{} is {} bytes, over the {} byte limit",
            path.display(),
            meta.len(),
            limits.max_file_bytes
        )));
    }
    let bytes = std::fs::read(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    takeoff_bytes(&name, bytes, hint, limits)
}

fn ifc_takeoff(name: &str, bytes: Vec<u8>, limits: &Limits) -> Result<Takeoff, BimError> {
    let model = crate::ifc::IfcModel::parse(bytes)?;
    crate::ifc::takeoff(name, &model, limits.deadline)
}

/// The first .ifc member of an archive, inflated under two caps: the whole (the size declared
/// in the archive is not trusted), and the ratio of what came out to what went in, checked as
/// it inflates, so a bomb is refused after a few MB of output instead of at the cap.
fn unzip_ifc(bytes: &[u8], limits: &Limits) -> Result<Vec<u8>, BimError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| BimError::Archive(e.to_string()))?;
    let index = (0..zip.len())
        .find(|&i| {
            zip.name_for_index(i)
                .is_some_and(|n| n.to_ascii_lowercase().ends_with(".ifc"))
        })
        .ok_or_else(|| BimError::Archive("the archive holds no .ifc file".into()))?;
    let entry = zip
        .by_index_raw(index)
        .map_err(|e| BimError::Archive(e.to_string()))?;
    // Small members may compress better than any real model; the ratio only binds past 16 MB.
    const FREE: u64 = 16 << 20;
    let by_ratio = entry
        .compressed_size()
        .saturating_mul(limits.max_compression_ratio)
        .max(FREE);
    let cap = limits.max_decompressed_bytes.min(by_ratio);
    let declared = entry.size();
    let consumed = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counted = Counting {
        inner: entry,
        n: consumed.clone(),
    };
    let mut reader: Box<dyn Read + '_> = match counted.inner.compression() {
        zip::CompressionMethod::Stored => Box::new(counted),
        zip::CompressionMethod::Deflated => Box::new(flate2::read::DeflateDecoder::new(counted)),
        other => {
            return Err(BimError::Archive(format!(
                "the .ifc inside the archive is compressed with {other}; chantier reads stored and deflated members"
            )));
        }
    };
    let mut out = Vec::with_capacity(declared.min(cap).min(256 << 20) as usize);
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        let n = reader
            .read(&mut chunk)
            .map_err(|e| BimError::Archive(e.to_string()))?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&chunk[..n]);
        let (produced, taken) = (out.len() as u64, consumed.get().max(1));
        if produced > cap
            || (produced > FREE && produced > taken.saturating_mul(limits.max_compression_ratio))
        {
            return Err(BimError::Limit(format!(
                "the .ifc inside the archive decompresses past its limits: {produced} bytes out of \
                 {taken} compressed, stopped there (limits: {} bytes, {}x the compressed size)",
                limits.max_decompressed_bytes, limits.max_compression_ratio
            )));
        }
    }
    Ok(out)
}

/// Counts the compressed bytes the decoder has taken.
struct Counting<R> {
    inner: R,
    n: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.n.set(self.n.get() + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_before_name() {
        assert_eq!(
            detect("a.dxf", b"ISO-10303-21;\nHEADER;"),
            Some(Format::Ifc)
        );
        assert_eq!(
            detect("a.ifc", b"  0\nSECTION\n  2\nHEADER\n"),
            Some(Format::Dxf)
        );
        assert_eq!(detect("a.bin", b"PK\x03\x04...."), Some(Format::IfcZip));
        assert_eq!(detect("a.txt", b"hello"), None);
    }

    fn zipped(member: &str, content: impl Fn(&mut dyn std::io::Write)) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file(member, opts).unwrap();
        content(&mut z);
        z.finish().unwrap();
        buf.into_inner()
    }

    /// A bomb is stopped by the running ratio soon after the first 16 MB, not at the cap its
    /// compressed size allows.
    #[test]
    fn a_zip_bomb_is_stopped_while_it_inflates() {
        let bomb = zipped("model.ifc", |w| {
            let block = vec![b' '; 1 << 20];
            for _ in 0..512 {
                w.write_all(&block).unwrap();
            }
        });
        let limits = Limits {
            max_compression_ratio: 100,
            ..Limits::default()
        };
        let allowed = (bomb.len() as u64 * 100).max(16 << 20);
        let e = unzip_ifc(&bomb, &limits).unwrap_err();
        let BimError::Limit(m) = &e else {
            panic!("{e}")
        };
        let produced: u64 = m
            .split("past its limits: ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(produced < (18 << 20), "stopped after {produced} bytes: {m}");
        assert!(produced < allowed, "before the cap of {allowed}: {m}");
        // A real model, stored or deflated, comes out whole.
        let ifc = b"ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\nENDSEC;\nEND-ISO-10303-21;\n";
        let ok = zipped("m.IFC", |w| w.write_all(ifc).unwrap());
        assert_eq!(unzip_ifc(&ok, &limits).unwrap(), ifc);
    }

    #[test]
    fn unknown_format_is_a_clear_error() {
        let e =
            takeoff_bytes("notes.txt", b"hello".to_vec(), None, &Limits::default()).unwrap_err();
        assert!(matches!(e, BimError::UnknownFormat(_)), "{e}");
    }

    #[test]
    fn size_limit_applies() {
        let limits = Limits {
            max_file_bytes: 4,
            ..Limits::default()
        };
        let e = takeoff_bytes("a.ifc", b"ISO-10303-21;".to_vec(), None, &limits).unwrap_err();
        assert!(matches!(e, BimError::Limit(_)), "{e}");
    }
}
