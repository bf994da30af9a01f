//! Photos and crops written into the models' input planes: normalised BGR, `(x / 255 − 0.5) / 0.5`.

use image::{Rgb, RgbImage};
use ndarray::ArrayViewMut3;

/// Writes `image` into one batch entry (`[3, h, w]`) as normalised BGR planes.
pub(crate) fn write_bgr(image: &RgbImage, planes: &mut ArrayViewMut3<f32>) {
    let (height, width) = (planes.shape()[1], planes.shape()[2]);
    let normalise = |value: u8| f32::from(value) / 127.5 - 1.0;
    if let Some(data) = planes.as_slice_mut() {
        // Batch entries are contiguous: write the three planes by offset, without index checks per
        // channel (pre-processing is a tenth of detection's time).
        let plane = height * width;
        for (x, y, Rgb([r, g, b])) in image.enumerate_pixels() {
            let at = y as usize * width + x as usize;
            if at < plane {
                data[at] = normalise(*b);
                data[plane + at] = normalise(*g);
                data[2 * plane + at] = normalise(*r);
            }
        }
        return;
    }
    for (x, y, Rgb([r, g, b])) in image.enumerate_pixels() {
        let (x, y) = (x as usize, y as usize);
        for (channel, value) in [b, g, r].into_iter().enumerate() {
            planes[[channel, y, x]] = normalise(*value);
        }
    }
}

/// Scales `image` to `width` × `height` bilinearly, sampling at pixel centres as OpenCV's
/// `INTER_LINEAR` (what RapidOCR scales photos with), straight into normalised BGR planes: one pass,
/// no intermediate image. Photos reach it at most twice the detector's side, so a 2:1 step at most.
pub(crate) fn write_bgr_scaled(image: &RgbImage, width: usize, height: usize, planes: &mut ArrayViewMut3<f32>) {
    let (source_w, source_h) = (image.width() as usize, image.height() as usize);
    if source_w == 0 || source_h == 0 || width == 0 || height == 0 {
        return;
    }
    let taps = |to: usize, from: usize| -> Vec<(usize, usize, f32)> {
        let scale = from as f32 / to as f32;
        (0..to)
            .map(|at| {
                let centre = ((at as f32 + 0.5) * scale - 0.5).clamp(0.0, (from - 1) as f32);
                let low = centre.floor() as usize;
                (low, (low + 1).min(from - 1), centre - low as f32)
            })
            .collect()
    };
    let (columns, rows) = (taps(width, source_w), taps(height, source_h));
    let (plane_h, plane_w) = (planes.shape()[1], planes.shape()[2]);
    let raw = image.as_raw();
    let pixel = |x: usize, y: usize| {
        let at = (y * source_w + x) * 3;
        [f32::from(raw[at]), f32::from(raw[at + 1]), f32::from(raw[at + 2])]
    };
    for (y, &(top, bottom, fy)) in rows.iter().enumerate().take(plane_h) {
        for (x, &(left, right, fx)) in columns.iter().enumerate().take(plane_w) {
            let (a, b, c, d) = (pixel(left, top), pixel(right, top), pixel(left, bottom), pixel(right, bottom));
            for (channel, rgb) in [2usize, 1, 0].into_iter().enumerate() {
                let upper = a[rgb] + (b[rgb] - a[rgb]) * fx;
                let lower = c[rgb] + (d[rgb] - c[rgb]) * fx;
                planes[[channel, y, x]] = (upper + (lower - upper) * fy) / 127.5 - 1.0;
            }
        }
    }
}
