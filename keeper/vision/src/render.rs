//! Claim photos for the demo and simulations, rendered deterministically from a seed: the bounty's
//! poster with its slogan, photographed at an angle, with blur, noise, uneven light and different
//! backgrounds; or one of the bad kinds (no poster at all, a poster with other text). Rendered
//! here so the demo needs no image files, and so a new seed is a new set of photos.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgb, RgbImage};
use imageproc::geometric_transformations::Projection;

const WIDTH: u32 = 800;
const HEIGHT: u32 = 600;

/// What a photo shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Photo {
    /// The poster, with these lines of text.
    Poster(Vec<String>),
    /// A wall, a frame, a lamp: no poster.
    NoPoster,
}

/// SplitMix64: small, seedable, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [low, high).
    fn range(&mut self, low: f32, high: f32) -> f32 {
        low + (high - low) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }

    fn colour(&mut self, low: f32, high: f32) -> [f32; 3] {
        [self.range(low, high), self.range(low, high), self.range(low, high)]
    }
}

fn font() -> FontRef<'static> {
    // DejaVu Sans Bold ships inside the `dejavu` crate; parsing a font that crate ships cannot fail.
    FontRef::try_from_slice(dejavu::sans::bold()).unwrap_or_else(|_| unreachable!("DejaVu Sans Bold parses"))
}

/// Renders one photo as PNG bytes.
pub fn render_png(photo: &Photo, seed: u64) -> Vec<u8> {
    encode_png(&render(photo, seed))
}

pub fn encode_png(image: &RgbImage) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    // Encoding an in-memory RGB buffer as PNG only fails on allocation failure.
    let _ = image.write_to(&mut bytes, image::ImageFormat::Png);
    bytes.into_inner()
}

pub fn render(photo: &Photo, seed: u64) -> RgbImage {
    let mut rng = Rng(seed ^ 0xC0DE_C0DE);
    let mut canvas = background(&mut rng);
    clutter(&mut canvas, &mut rng);
    match photo {
        Photo::Poster(lines) => {
            let poster = poster(lines, &mut rng);
            place(&mut canvas, &poster, &mut rng);
        }
        Photo::NoPoster => {
            // A picture frame with a plain picture and a lamp: shapes, no text.
            let frame = solid(260, 200, rng.colour(40.0, 120.0));
            place(&mut canvas, &frame, &mut rng);
            let lamp = solid(60, 160, rng.colour(180.0, 250.0));
            let x = rng.range(40.0, 200.0) as u32;
            paste(&mut canvas, &lamp, x, 380);
        }
    }
    light(&mut canvas, &mut rng);
    let sigma = rng.range(0.5, 1.4);
    let mut canvas = imageproc::filter::gaussian_blur_f32(&canvas, sigma);
    noise(&mut canvas, &mut rng, 10.0);
    canvas
}

/// A photographed page of small print: `lines` lines of words from a fixed list, the kind of photo
/// that gives the reader the most text regions (the flood benchmark's input).
pub fn render_page(lines: usize, seed: u64) -> RgbImage {
    const WORDS: [&str; 16] = [
        "treasury",
        "policy",
        "window",
        "payee",
        "budget",
        "keeper",
        "guardian",
        "claim",
        "bounty",
        "grant",
        "proof",
        "period",
        "escrow",
        "signature",
        "decision",
        "reward",
    ];
    let mut rng = Rng(seed ^ 0x9A6E);
    let (width, height) = (1_200u32, 1_600u32);
    let mut page = solid(width, height, rng.colour(225.0, 255.0));
    let (font, ink) = (font(), Rgb(rng.colour(0.0, 60.0).map(|c| c as u8)));
    let pitch = (height as f32 * 0.9) / lines.max(1) as f32;
    let size = (pitch * 0.6).clamp(14.0, 40.0);
    for line in 0..lines {
        let mut text = String::new();
        while text_width(&font, size, &text) < width as f32 * 0.8 {
            text.push_str(WORDS[(rng.next() % WORDS.len() as u64) as usize]);
            text.push(' ');
        }
        let y = height as f32 * 0.05 + line as f32 * pitch;
        imageproc::drawing::draw_text_mut(&mut page, ink, 60, y as i32, PxScale::from(size), &font, text.trim_end());
    }
    light(&mut page, &mut rng);
    noise(&mut page, &mut rng, 6.0);
    page
}

fn solid(width: u32, height: u32, colour: [f32; 3]) -> RgbImage {
    RgbImage::from_pixel(width, height, Rgb(colour.map(|c| c as u8)))
}

/// A gradient wall, sometimes with stripes or tiles.
fn background(rng: &mut Rng) -> RgbImage {
    let (top, bottom) = (rng.colour(60.0, 230.0), rng.colour(60.0, 230.0));
    let pattern = rng.next() % 3;
    let period = rng.range(24.0, 80.0);
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let t = y as f32 / HEIGHT as f32;
        let shade = match pattern {
            1 => 1.0 - 0.08 * f32::from(u8::from(((x as f32 / period) as u32).is_multiple_of(2))),
            2 => 1.0 - 0.1 * f32::from(u8::from(x as f32 % period < 3.0 || y as f32 % period < 3.0)),
            _ => 1.0,
        };
        Rgb([0, 1, 2].map(|c| ((top[c] * (1.0 - t) + bottom[c] * t) * shade).clamp(0.0, 255.0) as u8))
    })
}

/// What else a photo of a wall shows: a door, a window, a shelf, a plant... as plain shapes of
/// their own size, colour and place, so two fans' photos of one poster differ as real ones do
/// (the duplicate detector must not take them for copies). No text.
fn clutter(canvas: &mut RgbImage, rng: &mut Rng) {
    let things = 4 + rng.next() % 5;
    for _ in 0..things {
        let (width, height) = (rng.range(60.0, 300.0) as u32, rng.range(60.0, 420.0) as u32);
        let (x, y) = (rng.range(-100.0, WIDTH as f32) as i64, rng.range(-100.0, HEIGHT as f32) as i64);
        let colour = rng.colour(10.0, 250.0);
        let (fx, fy) = (rng.range(-0.5, 0.5), rng.range(-0.5, 0.5));
        for py in y.max(0)..(y + i64::from(height)).min(i64::from(HEIGHT)) {
            for px in x.max(0)..(x + i64::from(width)).min(i64::from(WIDTH)) {
                // A little shading across the shape, so it is not a flat patch.
                let t = 1.0 + fx * (px - x) as f32 / width as f32 + fy * (py - y) as f32 / height as f32;
                let pixel = Rgb(colour.map(|c| (c * t).clamp(0.0, 255.0) as u8));
                canvas.put_pixel(px as u32, py as u32, pixel);
            }
        }
    }
}

/// The poster: a light sheet with a coloured band and the text lines centred, as large as fits.
fn poster(lines: &[String], rng: &mut Rng) -> RgbImage {
    let (width, height) = (rng.range(400.0, 480.0) as u32, rng.range(300.0, 360.0) as u32);
    let paper = rng.colour(225.0, 255.0);
    let mut sheet = solid(width, height, paper);
    let band = rng.colour(20.0, 140.0);
    for y in 0..height / 6 {
        for x in 0..width {
            sheet.put_pixel(x, y, Rgb(band.map(|c| c as u8)));
        }
    }
    let font = font();
    let ink = Rgb(rng.colour(0.0, 70.0).map(|c| c as u8));
    let lines: Vec<&String> = lines.iter().filter(|line| !line.trim().is_empty()).collect();
    let room = (height as f32 * 0.7) / lines.len().max(1) as f32;
    let mut y = height as f32 / 6.0 + height as f32 * 0.08;
    for line in lines {
        // Largest size (up to the line's share of the height) at which the line fits the width.
        let mut size = room * 0.8;
        while size > 12.0 && text_width(&font, size, line) > width as f32 * 0.88 {
            size -= 2.0;
        }
        let x = (width as f32 - text_width(&font, size, line)) / 2.0;
        imageproc::drawing::draw_text_mut(&mut sheet, ink, x as i32, y as i32, PxScale::from(size), &font, line);
        y += room;
    }
    sheet
}

fn text_width(font: &FontRef<'_>, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    text.chars().map(|c| scaled.h_advance(font.glyph_id(c))).sum()
}

/// Places `picture` on the canvas as photographed: rotated a little, seen at an angle (one side
/// nearer than the other), somewhere near the middle.
fn place(canvas: &mut RgbImage, picture: &RgbImage, rng: &mut Rng) {
    let (w, h) = (picture.width() as f32, picture.height() as f32);
    let scale = rng.range(0.6, 1.1);
    let angle = rng.range(-0.16, 0.16);
    let (dx, dy) = ((WIDTH as f32 - w * scale) / 2.0, (HEIGHT as f32 - h * scale) / 2.0);
    let (cx, cy) = (WIDTH as f32 / 2.0 + rng.range(-dx, dx), HEIGHT as f32 / 2.0 + rng.range(-dy, dy));
    // Perspective: one vertical edge shorter than the other.
    let squeeze = rng.range(-0.12, 0.12);
    let corners = [(-w / 2.0, -h / 2.0), (w / 2.0, -h / 2.0), (w / 2.0, h / 2.0), (-w / 2.0, h / 2.0)];
    let target = corners.map(|(x, y)| {
        let y = y * (1.0 + squeeze * x / w);
        let (x, y) = (x * scale, y * scale);
        (cx + x * angle.cos() - y * angle.sin(), cy + x * angle.sin() + y * angle.cos())
    });
    let source = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let Some(back) = Projection::from_control_points(target, source) else { return };
    for y in 0..canvas.height() {
        for x in 0..canvas.width() {
            let (u, v) = back * (x as f32 + 0.5, y as f32 + 0.5);
            if u >= 0.0 && v >= 0.0 && u < w - 1.0 && v < h - 1.0 {
                canvas.put_pixel(x, y, bilinear(picture, u, v));
            }
        }
    }
}

fn bilinear(image: &RgbImage, u: f32, v: f32) -> Rgb<u8> {
    let (x0, y0) = (u.floor() as u32, v.floor() as u32);
    let (fx, fy) = (u - x0 as f32, v - y0 as f32);
    let p = |x: u32, y: u32| image.get_pixel(x, y).0.map(f32::from);
    let (a, b, c, d) = (p(x0, y0), p(x0 + 1, y0), p(x0, y0 + 1), p(x0 + 1, y0 + 1));
    Rgb([0, 1, 2].map(|i| {
        let top = a[i] * (1.0 - fx) + b[i] * fx;
        let bottom = c[i] * (1.0 - fx) + d[i] * fx;
        (top * (1.0 - fy) + bottom * fy).round() as u8
    }))
}

fn paste(canvas: &mut RgbImage, picture: &RgbImage, x: u32, y: u32) {
    for (px, py, pixel) in picture.enumerate_pixels() {
        if x + px < canvas.width() && y + py < canvas.height() {
            canvas.put_pixel(x + px, y + py, *pixel);
        }
    }
}

/// Uneven light: a brightness ramp across the photo and a warm or cold tint.
fn light(canvas: &mut RgbImage, rng: &mut Rng) {
    let (left, right) = (rng.range(0.65, 1.15), rng.range(0.65, 1.15));
    let tint = rng.colour(0.9, 1.1);
    let width = canvas.width() as f32;
    for (x, _, pixel) in canvas.enumerate_pixels_mut() {
        let t = x as f32 / width;
        let gain = left * (1.0 - t) + right * t;
        for (c, value) in pixel.0.iter_mut().enumerate() {
            *value = (f32::from(*value) * gain * tint[c]).clamp(0.0, 255.0) as u8;
        }
    }
}

fn noise(canvas: &mut RgbImage, rng: &mut Rng, amplitude: f32) {
    for pixel in canvas.pixels_mut() {
        // Sum of three uniforms: roughly Gaussian, cheap.
        let n = (rng.range(-1.0, 1.0) + rng.range(-1.0, 1.0) + rng.range(-1.0, 1.0)) * amplitude / 1.7;
        for value in pixel.0.iter_mut() {
            *value = (f32::from(*value) + n).clamp(0.0, 255.0) as u8;
        }
    }
}
