//! The ways a claim photo gets reused: re-encoded, resized, cropped, turned a little or a quarter,
//! mirrored. The duplicate detector's tests, its benchmark and the demo make their copies here,
//! so what is measured is what is tested.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::{rotate_about_center, Border, Interpolation};

/// One way of copying a photo.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Edit {
    /// JPEG at this quality (1-100), decoded again.
    Reencode(u8),
    /// Both sides scaled by this factor.
    Resize(f32),
    /// This fraction of each side cut off, split between the two edges by `offset` (0.5: centred).
    Crop {
        fraction: f32,
        offset: f32,
    },
    /// Turned by this many degrees about the centre, corners filled with grey.
    Rotate(f32),
    /// A quarter turn clockwise.
    QuarterTurn,
    Mirror,
}

impl Edit {
    pub fn apply(self, image: &RgbImage) -> RgbImage {
        match self {
            Self::Reencode(quality) => {
                let bytes = jpeg(image, quality);
                image::load_from_memory(&bytes).map(|decoded| decoded.to_rgb8()).unwrap_or_else(|_| image.clone())
            }
            Self::Resize(factor) => {
                let (width, height) = image.dimensions();
                let scaled = |side: u32| ((side as f32 * factor).round() as u32).max(1);
                imageops::resize(image, scaled(width), scaled(height), FilterType::CatmullRom)
            }
            Self::Crop { fraction, offset } => {
                let (width, height) = image.dimensions();
                let cut = |side: u32| (side as f32 * fraction.clamp(0.0, 0.9)) as u32;
                let (cut_x, cut_y) = (cut(width), cut(height));
                let (x, y) = ((cut_x as f32 * offset) as u32, (cut_y as f32 * offset) as u32);
                imageops::crop_imm(image, x, y, width - cut_x, height - cut_y).to_image()
            }
            Self::Rotate(degrees) => rotate_about_center(
                image,
                degrees.to_radians(),
                Interpolation::Bilinear,
                Border::Constant(Rgb([128, 128, 128])),
            ),
            Self::QuarterTurn => imageops::rotate90(image),
            Self::Mirror => imageops::flip_horizontal(image),
        }
    }

    pub fn name(self) -> String {
        match self {
            Self::Reencode(quality) => format!("re-encoded (JPEG q{quality})"),
            Self::Resize(factor) => format!("resized ×{factor}"),
            Self::Crop { fraction, .. } => format!("cropped {:.0}%", fraction * 100.0),
            Self::Rotate(degrees) => format!("rotated {degrees}°"),
            Self::QuarterTurn => "turned 90°".into(),
            Self::Mirror => "mirrored".into(),
        }
    }
}

/// The edits the detector is measured and tested on, each alone and some together.
pub fn copies() -> Vec<Vec<Edit>> {
    use Edit::*;
    vec![
        vec![Reencode(40)],
        vec![Reencode(75)],
        vec![Resize(0.5)],
        vec![Resize(1.6)],
        vec![Crop { fraction: 0.1, offset: 0.5 }],
        vec![Crop { fraction: 0.15, offset: 0.0 }],
        vec![Rotate(3.0)],
        vec![Rotate(-6.0)],
        vec![QuarterTurn],
        vec![Mirror],
        vec![Crop { fraction: 0.08, offset: 0.3 }, Resize(0.7), Reencode(60)],
        vec![Rotate(2.0), Resize(0.8), Reencode(50)],
    ]
}

pub fn apply_all(image: &RgbImage, edits: &[Edit]) -> RgbImage {
    edits.iter().fold(image.clone(), |image, edit| edit.apply(&image))
}

/// The photo as a JPEG file at `quality`.
pub fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Encoding into memory only fails on an empty image: then there are no bytes to reuse.
    let _ = JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100)).encode_image(image);
    bytes
}
