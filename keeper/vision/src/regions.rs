//! Geometry of text regions: DB post-processing of the detector's probability map into rotated
//! boxes (RapidOCR's thresholds), and straightening a box into an upright crop.

use image::imageops;
use image::{GrayImage, Luma, RgbImage};
use imageproc::geometric_transformations::{warp_into, Border, Interpolation, Projection};
use imageproc::point::Point;
use imageproc::region_labelling::{connected_components, Connectivity};

/// A detected region: corners in the image (top-left, top-right, bottom-right, bottom-left) and
/// its mean detection probability.
pub type Region = ([(f32, f32); 4], f32);

const DET_THRESHOLD: f32 = 0.3;
const BOX_THRESHOLD: f32 = 0.5;
const UNCLIP_RATIO: f32 = 1.6;
pub(crate) const MIN_BOX_SIDE: f32 = 3.0;
const MAX_CANDIDATES: usize = 1_000;

pub(crate) fn side(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// DB post-processing on one probability map (`w` × `h` valid pixels): threshold, dilate, label
/// the connected regions, fit each a minimum-area rectangle, score it by its mean probability and
/// grow it by the unclip ratio. Corners are in the detector's coordinates.
pub(crate) fn boxes_from_map(map: &[f32], stride: usize, w: usize, h: usize) -> Vec<Region> {
    let above: Vec<bool> =
        (0..h).flat_map(|y| map[y * stride..y * stride + w].iter().map(|&p| p > DET_THRESHOLD)).collect();
    let mut bitmap = GrayImage::new(w as u32, h as u32);
    for (at, pixel) in bitmap.iter_mut().enumerate() {
        let (x, y) = (at % w, at / w);
        // A 2x2 dilation, as RapidOCR's `use_dilation`: on if it or its left, upper or upper-left
        // neighbour is above the threshold.
        let on =
            above[at] || (x > 0 && above[at - 1]) || (y > 0 && above[at - w]) || (x > 0 && y > 0 && above[at - w - 1]);
        if on {
            *pixel = 255;
        }
    }
    let labels = connected_components(&bitmap, Connectivity::Eight, Luma([0]));
    // Labels are 1..=n; a vector indexed by label keeps them in label order.
    let mut regions: Vec<(Vec<Point<i32>>, f32)> = Vec::new();
    for (at, &label) in labels.as_raw().iter().enumerate() {
        if label == 0 {
            continue;
        }
        let label = label as usize;
        if regions.len() < label {
            regions.resize_with(label, Default::default);
        }
        let (x, y) = (at % w, at / w);
        let region = &mut regions[label - 1];
        region.0.push(Point::new(x as i32, y as i32));
        region.1 += map[y * stride + x];
    }
    let regions = regions.into_iter().filter(|(points, _)| !points.is_empty());
    let mut boxes = Vec::new();
    for (points, sum) in regions.take(MAX_CANDIDATES) {
        let score = sum / points.len() as f32;
        if score < BOX_THRESHOLD || points.len() < 4 {
            continue;
        }
        let hull = imageproc::geometry::convex_hull(points);
        let rect = imageproc::geometry::min_area_rect(&hull);
        let corners = rect.map(|p| (p.x as f32, p.y as f32));
        let (long, short) = (side(corners[0], corners[1]), side(corners[1], corners[2]));
        if long.min(short) < MIN_BOX_SIDE {
            continue;
        }
        boxes.push((order_corners(unclip(corners)), score));
    }
    boxes
}

/// Grows a rectangle on every side by area × ratio / perimeter (RapidOCR's polygon offset).
fn unclip(corners: [(f32, f32); 4]) -> [(f32, f32); 4] {
    let (a, b) = (side(corners[0], corners[1]), side(corners[1], corners[2]));
    if a == 0.0 || b == 0.0 {
        return corners;
    }
    let distance = a * b * UNCLIP_RATIO / (2.0 * (a + b));
    let center = (corners.iter().map(|c| c.0).sum::<f32>() / 4.0, corners.iter().map(|c| c.1).sum::<f32>() / 4.0);
    let u = ((corners[1].0 - corners[0].0) / a, (corners[1].1 - corners[0].1) / a);
    let v = ((corners[2].0 - corners[1].0) / b, (corners[2].1 - corners[1].1) / b);
    let (half_a, half_b) = (a / 2.0 + distance, b / 2.0 + distance);
    [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)].map(|(su, sv)| {
        (center.0 + su * half_a * u.0 + sv * half_b * v.0, center.1 + su * half_a * u.1 + sv * half_b * v.1)
    })
}

/// Top-left, top-right, bottom-right, bottom-left (RapidOCR's order: by x, then by y per side).
fn order_corners(mut corners: [(f32, f32); 4]) -> [(f32, f32); 4] {
    corners.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (left, right) = corners.split_at_mut(2);
    left.sort_by(|a, b| a.1.total_cmp(&b.1));
    right.sort_by(|a, b| a.1.total_cmp(&b.1));
    [left[0], right[0], right[1], left[1]]
}

/// The straightened region's width and height, before a tall one is turned.
fn straightened(corners: &[(f32, f32); 4]) -> (f32, f32) {
    let width = side(corners[0], corners[1]).max(side(corners[3], corners[2])).round().max(1.0);
    let height = side(corners[0], corners[3]).max(side(corners[1], corners[2])).round().max(1.0);
    (width, height)
}

/// The size of `crop(_, corners)`, without cutting it.
pub(crate) fn crop_size(corners: &[(f32, f32); 4]) -> (u32, u32) {
    let (width, height) = straightened(corners);
    if is_tall(corners) {
        (height as u32, width as u32)
    } else {
        (width as u32, height as u32)
    }
}

/// The region straightened into an upright crop; tall crops are turned a quarter (text runs down).
pub(crate) fn crop(image: &RgbImage, corners: &[(f32, f32); 4]) -> RgbImage {
    let (width, height) = straightened(corners);
    let target = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)];
    let mut out = RgbImage::new(width as u32, height as u32);
    if let Some(projection) = Projection::from_control_points(*corners, target) {
        warp_into(image, projection, Interpolation::Bilinear, Border::Replicate, &mut out);
    }
    if height / width >= 1.5 {
        imageops::rotate270(&out)
    } else {
        out
    }
}

pub(crate) fn upright_crop(image: &RgbImage, corners: &[(f32, f32); 4], flip: bool) -> RgbImage {
    let crop = crop(image, corners);
    if flip {
        imageops::rotate180(&crop)
    } else {
        crop
    }
}

pub(crate) fn area(corners: &[(f32, f32); 4]) -> f32 {
    side(corners[0], corners[1]) * side(corners[0], corners[3])
}

/// Text in this region runs down the page (the crop is turned a quarter to read it).
pub(crate) fn is_tall(corners: &[(f32, f32); 4]) -> bool {
    let (width, height) = straightened(corners);
    height / width >= 1.5
}
