//! Tesseract calls: finding the language data, a pool of started engines, and one tile's
//! words.
//!
//! Starting Tesseract with `fra+eng` reads several MB of models and takes a noticeable part
//! of a tile's time, so engines are kept in a process-wide pool and reused across tiles and
//! pages: each worker of a page checks one out for all the tiles it reads.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use image::GrayImage;
use tesseract::{PageSegMode, Tesseract};

use super::tsv::{TsvWord, parse_words};
use crate::error::{Result, VisionError};

/// Where Debian, Ubuntu, Fedora, Alpine and Homebrew put Tesseract's language data, after
/// `$TESSDATA_PREFIX`. Tesseract itself only knows its compiled-in folder, so the folder is
/// found here and passed to it explicitly: a missing language then names the package.
const TESSDATA_DIRS: &[&str] = &[
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
];

/// Engines kept idle at most; a few per core covers every worker of a couple of
/// concurrent pages without holding on to memory (tens of MB each) after a burst.
fn max_idle() -> usize {
    std::thread::available_parallelism().map_or(4, |n| n.get() * 2)
}

/// What makes two engines interchangeable: the same models, the same resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EngineKey {
    languages: String,
    tessdata: PathBuf,
    dpi: u32,
    /// Reads one line of these characters only (re-reading doubtful dimension values).
    numbers: Option<&'static str>,
}

impl EngineKey {
    /// Resolves the language data folder for `languages` ("fra+eng") and checks every
    /// language is installed there, before any Tesseract call.
    pub(crate) fn new(languages: &str, tessdata: Option<&Path>, dpi: u32) -> Result<EngineKey> {
        let langs = split_languages(languages)?;
        let candidates: Vec<PathBuf> = match tessdata {
            Some(dir) => vec![dir.to_path_buf()],
            None => std::env::var_os("TESSDATA_PREFIX")
                .map(PathBuf::from)
                .into_iter()
                .chain(TESSDATA_DIRS.iter().map(PathBuf::from))
                .collect(),
        };
        let has = |dir: &Path, lang: &str| dir.join(format!("{lang}.traineddata")).is_file();
        if let Some(dir) = candidates
            .iter()
            .find(|dir| langs.iter().all(|l| has(dir, l)))
        {
            return Ok(EngineKey {
                languages: langs.join("+"),
                tessdata: dir.clone(),
                dpi,
                numbers: None,
            });
        }
        // Name the first language missing from the most complete folder, so the message
        // points at the one package to install.
        let best = candidates
            .iter()
            .max_by_key(|dir| langs.iter().filter(|l| has(dir, l)).count());
        let language = langs
            .iter()
            .find(|l| best.is_none_or(|dir| !has(dir, l)))
            .unwrap_or(&langs[0])
            .clone();
        Err(VisionError::OcrData {
            package: format!(
                "tesseract-ocr-{}",
                language.replace('_', "-").to_lowercase()
            ),
            language,
            searched: candidates
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

impl EngineKey {
    /// The same models set up to read one line of a number written with `chars`.
    pub(crate) fn for_numbers(&self, chars: &'static str) -> EngineKey {
        EngineKey {
            numbers: Some(chars),
            ..self.clone()
        }
    }
}

/// Splits "fra+eng" and refuses names that are not language codes (Tesseract would read
/// them as paths).
fn split_languages(languages: &str) -> Result<Vec<String>> {
    let langs: Vec<String> = languages
        .split('+')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if langs.is_empty() {
        return Err(VisionError::Config(
            "OCR languages are empty; use Tesseract codes such as \"fra+eng\"".into(),
        ));
    }
    if let Some(bad) = langs.iter().find(|l| {
        !l.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    }) {
        return Err(VisionError::Config(format!(
            "OCR language {bad:?} is not a Tesseract language code"
        )));
    }
    Ok(langs)
}

fn pool() -> &'static Mutex<Vec<(EngineKey, Tesseract)>> {
    static POOL: OnceLock<Mutex<Vec<(EngineKey, Tesseract)>>> = OnceLock::new();
    POOL.get_or_init(|| Mutex::new(Vec::new()))
}

/// A started Tesseract, borrowed from the pool and given back when dropped.
pub(crate) struct Engine {
    key: EngineKey,
    /// `None` once a Tesseract call failed: the instance is then dropped, not pooled,
    /// since the crate's builder-style calls consume it on error.
    tess: Option<Tesseract>,
}

impl Engine {
    /// An idle engine for `key`, or a new one.
    pub(crate) fn checkout(key: &EngineKey) -> Result<Engine> {
        let idle = {
            let mut pool = pool().lock().unwrap_or_else(|e| e.into_inner());
            pool.iter()
                .position(|(k, _)| k == key)
                .map(|i| pool.swap_remove(i).1)
        };
        let tess = match idle {
            Some(t) => t,
            None => start(key)?,
        };
        Ok(Engine {
            key: key.clone(),
            tess: Some(tess),
        })
    }

    /// Recognises one tile; boxes are in the tile's pixels.
    pub(crate) fn read(&mut self, tile: &GrayImage) -> Result<Vec<TsvWord>> {
        let fail = |what: &str| VisionError::Ocr(format!("Tesseract could not {what}"));
        let (w, h) = tile.dimensions();
        let (Ok(wi), Ok(hi)) = (i32::try_from(w), i32::try_from(h)) else {
            return Err(VisionError::Ocr(format!("tile {w}x{h} is too large")));
        };
        let tess = self.tess.take().ok_or_else(|| fail("restart"))?;
        let tess = tess
            .set_frame(tile.as_raw(), wi, hi, 1, wi)
            .map_err(|e| VisionError::Ocr(format!("Tesseract refused a {w}x{h} tile: {e}")))?;
        let mut tess = tess
            .recognize()
            .map_err(|_| fail(&format!("recognise a {w}x{h} tile")))?;
        let tsv = tess.get_tsv_text(0).map_err(|_| fail("return its words"))?;
        self.tess = Some(tess);
        Ok(parse_words(&tsv))
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Some(tess) = self.tess.take() {
            let mut pool = pool().lock().unwrap_or_else(|e| e.into_inner());
            // Engines of another configuration go first: they are the least likely reused.
            pool.sort_by_key(|(k, _)| k == &self.key);
            pool.push((self.key.clone(), tess));
            let excess = pool.len().saturating_sub(max_idle());
            pool.drain(..excess);
        }
    }
}

/// Starts Tesseract for sparse text: plans are scattered labels, not paragraphs, and the
/// sparse mode finds them without looking for columns and reading order.
fn start(key: &EngineKey) -> Result<Tesseract> {
    let data = key.tessdata.to_string_lossy();
    let tess = Tesseract::new(Some(&data), Some(&key.languages)).map_err(|e| {
        VisionError::Ocr(format!(
            "cannot start Tesseract with {} from {data}: {e}",
            key.languages
        ))
    })?;
    let set = |t: Tesseract, name: &str, value: &str| {
        t.set_variable(name, value)
            .map_err(|e| VisionError::Ocr(format!("cannot set Tesseract's {name} to {value}: {e}")))
    };
    // The resolution is known (a tile has too few letters for Tesseract to guess it well,
    // and guessing prints a warning per tile); its debug output would flood the logs.
    let tess = set(tess, "user_defined_dpi", &key.dpi.to_string())?;
    let mut tess = set(tess, "debug_file", "/dev/null")?;
    if let Some(chars) = key.numbers {
        tess = set(tess, "tessedit_char_whitelist", chars)?;
        tess.set_page_seg_mode(PageSegMode::PsmSingleLine);
    } else {
        tess.set_page_seg_mode(PageSegMode::PsmSparseText);
    }
    Ok(tess)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_are_checked() {
        assert_eq!(split_languages("fra+eng").unwrap(), ["fra", "eng"]);
        assert_eq!(split_languages(" fra + ").unwrap(), ["fra"]);
        assert!(matches!(split_languages("+"), Err(VisionError::Config(_))));
        assert!(matches!(
            split_languages("../../etc/passwd"),
            Err(VisionError::Config(_))
        ));
    }

    #[test]
    fn missing_language_names_its_package() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("fra.traineddata"), b"x").unwrap();
        let err = EngineKey::new("fra+chi_sim", Some(dir.path()), 300).unwrap_err();
        match &err {
            VisionError::OcrData {
                language, package, ..
            } => {
                assert_eq!(language, "chi_sim");
                assert_eq!(package, "tesseract-ocr-chi-sim");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(err.to_string().contains("tesseract-ocr-chi-sim"), "{err}");
        assert!(EngineKey::new("fra", Some(dir.path()), 300).is_ok());
    }
}
