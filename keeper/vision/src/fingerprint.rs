//! Perceptual fingerprints of claim photos, so a photo claimed twice is caught even when it was
//! re-encoded, resized, cropped a little, turned or mirrored. Two 64-bit hashes of a 32 × 32 grey
//! thumbnail: pHash (signs of the lowest 8 × 8 DCT coefficients against their median: the photo's
//! coarse layout) and dHash (brightness gradients between neighbours on a 9 × 8 grid: its edges).
//! Their summed Hamming distance is the photo distance (0 to 128); keeper/MODEL.md gives the
//! measurements behind that choice and the thresholds.
//!
//! Quarter turns and mirrors are caught by hashing the query in all eight orientations
//! (`Fingerprint::orientations`): stored fingerprints stay one per photo.

use image::imageops::{self, FilterType};
use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};

const SIDE: usize = 32;
const LOW: usize = 8;
const WINDOW_BASE: u32 = 128;
/// Windows stored beside the whole photo, as (side fraction, left, top) with the position as a
/// share of the room left: the four corners and the centre at 85 %, the centre at 92 %.
pub const WINDOWS: [(f32, f32, f32); 6] =
    [(0.85, 0.0, 0.0), (0.85, 1.0, 0.0), (0.85, 0.0, 1.0), (0.85, 1.0, 1.0), (0.85, 0.5, 0.5), (0.92, 0.5, 0.5)];

/// One photo's fingerprint. Serialized as 16 hex digits per hash, so a decision record shows it
/// and anyone can recompute it from the photo.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fingerprint {
    #[serde(with = "hex64")]
    pub phash: u64,
    #[serde(with = "hex64")]
    pub dhash: u64,
}

/// How a photo was turned to match another (the query's orientation that matched).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    Upright,
    Quarter,
    Half,
    ThreeQuarters,
    Mirrored,
    MirroredQuarter,
    MirroredHalf,
    MirroredThreeQuarters,
}

impl Orientation {
    pub const ALL: [Self; 8] = [
        Self::Upright,
        Self::Quarter,
        Self::Half,
        Self::ThreeQuarters,
        Self::Mirrored,
        Self::MirroredQuarter,
        Self::MirroredHalf,
        Self::MirroredThreeQuarters,
    ];

    fn apply(self, thumb: &GrayImage) -> GrayImage {
        let mirrored;
        let base = if (self as u8) >= 4 {
            mirrored = imageops::flip_horizontal(thumb);
            &mirrored
        } else {
            thumb
        };
        match (self as u8) % 4 {
            1 => imageops::rotate90(base),
            2 => imageops::rotate180(base),
            3 => imageops::rotate270(base),
            _ => base.clone(),
        }
    }
}

impl Fingerprint {
    pub fn of(image: &RgbImage) -> Self {
        Self::of_thumbnail(&thumbnail(image))
    }

    /// The fingerprints of the photo in each of the eight orientations (`Orientation::ALL` order);
    /// the first is `Fingerprint::of`.
    pub fn orientations(image: &RgbImage) -> [(Orientation, Self); 8] {
        let thumb = thumbnail(image);
        Orientation::ALL.map(|orientation| (orientation, Self::of_thumbnail(&orientation.apply(&thumb))))
    }

    /// The fingerprints of the photo's windows (`WINDOWS`): what a cropped copy of it matches.
    pub fn windows(image: &RgbImage) -> Vec<Self> {
        let grey = imageops::grayscale(image);
        let base = imageops::thumbnail(&grey, WINDOW_BASE, WINDOW_BASE);
        WINDOWS
            .iter()
            .map(|&(fraction, x, y)| {
                let side = (WINDOW_BASE as f32 * fraction).round() as u32;
                let (left, top) = ((x * (WINDOW_BASE - side) as f32) as u32, (y * (WINDOW_BASE - side) as f32) as u32);
                let window = imageops::crop_imm(&base, left, top, side, side).to_image();
                Self::of_thumbnail(&imageops::resize(&window, SIDE as u32, SIDE as u32, FilterType::Triangle))
            })
            .collect()
    }

    /// What the duplicate index keeps of a photo: the whole photo's fingerprint, then its windows'.
    pub fn stored(image: &RgbImage) -> Vec<Self> {
        std::iter::once(Self::of(image)).chain(Self::windows(image)).collect()
    }

    /// The photo distance: the nearest of a stored photo's fingerprints to any orientation of the
    /// query (`orientations`); `u32::MAX` when either is empty.
    pub fn photo_distance(stored: &[Self], query: &[(Orientation, Self)]) -> u32 {
        stored.iter().flat_map(|s| query.iter().map(move |(_, q)| s.distance(q))).min().unwrap_or(u32::MAX)
    }

    /// Summed Hamming distance of both hashes: 0 (same pixels) to 128.
    pub fn distance(&self, other: &Self) -> u32 {
        (self.phash ^ other.phash).count_ones() + (self.dhash ^ other.dhash).count_ones()
    }

    fn of_thumbnail(thumb: &GrayImage) -> Self {
        Self { phash: phash(thumb), dhash: dhash(thumb) }
    }
}

/// The grey 32 × 32 thumbnail both hashes start from: area-averaged (`thumbnail`), so JPEG noise
/// and resampling differences wash out before hashing.
fn thumbnail(image: &RgbImage) -> GrayImage {
    let grey = imageops::grayscale(image);
    imageops::thumbnail(&grey, SIDE as u32, SIDE as u32)
}

fn phash(thumb: &GrayImage) -> u64 {
    let pixels: Vec<f32> = thumb.pixels().map(|pixel| f32::from(pixel.0[0])).collect();
    let basis = dct_basis();
    // Separable DCT-II, rows then columns, keeping only the lowest LOW frequencies of each.
    let mut rows = [[0f32; LOW]; SIDE];
    for (y, row) in rows.iter_mut().enumerate() {
        for (u, out) in row.iter_mut().enumerate() {
            *out = (0..SIDE).map(|x| pixels[y * SIDE + x] * basis[u][x]).sum();
        }
    }
    let mut coefficients = [0f32; LOW * LOW];
    for v in 0..LOW {
        for u in 0..LOW {
            coefficients[v * LOW + u] = (0..SIDE).map(|y| rows[y][u] * basis[v][y]).sum();
        }
    }
    // The DC term (overall brightness) is left out of the median: it dwarfs the others.
    let mut sorted: Vec<f32> = coefficients[1..].to_vec();
    sorted.sort_by(f32::total_cmp);
    let median = (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0;
    coefficients.iter().enumerate().fold(0u64, |bits, (i, &c)| if c > median { bits | 1 << i } else { bits })
}

fn dct_basis() -> [[f32; SIDE]; LOW] {
    let mut basis = [[0f32; SIDE]; LOW];
    for (u, row) in basis.iter_mut().enumerate() {
        for (x, value) in row.iter_mut().enumerate() {
            *value = ((2 * x + 1) as f32 * u as f32 * std::f32::consts::PI / (2 * SIDE) as f32).cos();
        }
    }
    basis
}

fn dhash(thumb: &GrayImage) -> u64 {
    let small = imageops::resize(thumb, LOW as u32 + 1, LOW as u32, FilterType::Triangle);
    let mut bits = 0u64;
    for y in 0..LOW as u32 {
        for x in 0..LOW as u32 {
            if small.get_pixel(x, y).0[0] < small.get_pixel(x + 1, y).0[0] {
                bits |= 1 << (y * LOW as u32 + x);
            }
        }
    }
    bits
}

mod hex64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&format_args!("{value:016x}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = String::deserialize(deserializer)?;
        u64::from_str_radix(&text, 16).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene(seed: u32) -> RgbImage {
        RgbImage::from_fn(320, 240, |x, y| {
            let v = ((x * (3 + seed) + y * (7 + seed * 2)) % 255) as u8;
            let block = if (x / 40 + y / 60 + seed).is_multiple_of(2) { 200 } else { 30 };
            image::Rgb([v / 2 + block / 2, block, v])
        })
    }

    #[test]
    fn same_pixels_zero_and_different_scenes_far() {
        let (a, b) = (scene(1), scene(4));
        assert_eq!(Fingerprint::of(&a).distance(&Fingerprint::of(&a)), 0);
        assert!(Fingerprint::of(&a).distance(&Fingerprint::of(&b)) > 30);
    }

    #[test]
    fn a_turned_copy_matches_in_one_orientation_only() {
        let photo = scene(2);
        let stored = Fingerprint::of(&photo);
        let turned = imageops::rotate90(&photo);
        let upright = Fingerprint::of(&turned);
        assert!(upright.distance(&stored) > 20, "a quarter turn changes the upright hash");
        let best = Fingerprint::orientations(&turned)
            .into_iter()
            .min_by_key(|(_, fingerprint)| fingerprint.distance(&stored))
            .map(|(orientation, fingerprint)| (orientation, fingerprint.distance(&stored)));
        assert_eq!(best.map(|(orientation, _)| orientation), Some(Orientation::ThreeQuarters));
        // Not 0: the turned photo is resampled to its thumbnail along the other axes.
        assert!(best.is_some_and(|(_, distance)| distance <= 12), "{best:?}");
    }

    #[test]
    fn hex_round_trip() {
        let fingerprint = Fingerprint { phash: 0x0123_4567_89ab_cdef, dhash: 7 };
        let text = serde_json::to_string(&fingerprint).unwrap();
        assert_eq!(text, r#"{"phash":"0123456789abcdef","dhash":"0000000000000007"}"#);
        assert_eq!(serde_json::from_str::<Fingerprint>(&text).unwrap(), fingerprint);
    }
}
