//! Makes a clean rendering look scanned: a slight rotation about the centre (white
//! corners), optical blur, contrast loss (grey paper, dark-grey ink) and sensor noise with
//! specks, deterministically from a seed.

use image::{GrayImage, Luma};
use imageproc::geometric_transformations::{Border, Interpolation, rotate_about_center};
use serde::{Deserialize, Serialize};

use super::rng::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Degrade {
    /// Counter-clockwise as seen, degrees (scans are rarely off by more than 2°).
    pub rotation_deg: f64,
    /// Gaussian blur standard deviation in pixels (0: none).
    pub blur_sigma: f32,
    /// Gaussian noise standard deviation as a fraction of full scale (0.03: about 8 grey
    /// levels); a twentieth of that fraction of the pixels also turn into black or white
    /// specks.
    pub noise: f32,
    pub seed: u64,
}

/// Paper and ink after contrast loss.
const PAPER: f32 = 242.0;
const INK: f32 = 28.0;

pub fn degrade(img: &GrayImage, d: &Degrade) -> GrayImage {
    let mut out = if d.rotation_deg.abs() > 1e-9 {
        // imageproc turns clockwise for positive angles; ours are counter-clockwise.
        rotate_about_center(
            img,
            -(d.rotation_deg.to_radians() as f32),
            Interpolation::Bilinear,
            Border::Constant(Luma([255])),
        )
    } else {
        img.clone()
    };
    if d.blur_sigma > 0.0 {
        out = imageproc::filter::gaussian_blur_f32(&out, d.blur_sigma);
    }
    let lut: Vec<f32> = (0..256)
        .map(|v| INK + (PAPER - INK) * v as f32 / 255.0)
        .collect();
    let mut rng = Rng::new(d.seed ^ 0x5CA7_7E4D);
    let sigma = d.noise.max(0.0) * 255.0;
    let specks = (d.noise.max(0.0) as f64) / 20.0;
    let buf: &mut [u8] = &mut out;
    for v in buf.iter_mut() {
        let mut x = lut[*v as usize];
        if sigma > 0.0 {
            // Irwin-Hall: three uniform 16-bit draws (unit variance once centred and
            // doubled), and 16 more bits for the specks, all from one number.
            let r = rng.next_u64();
            let s: f32 = (0..3)
                .map(|i| ((r >> (16 * i)) & 0xFFFF) as f32)
                .sum::<f32>()
                / 65535.0
                - 1.5;
            x += s * 2.0 * sigma;
            if specks > 0.0 && ((r >> 48) as f64 / 65536.0) < specks {
                x = if r & 1 == 0 { 10.0 } else { 255.0 };
            }
        }
        *v = x.clamp(0.0, 255.0).round() as u8;
    }
    out
}
