//! Real photos with text, in four orientations: six street and shop photos that OpenCV ships as
//! samples (Debian package `opencv-doc` 4.6.0+dfsg-12, `examples/text/scenetext0N.jpg`; OpenCV is
//! Apache-2.0 AND BSD-3-Clause per that package's copyright file), with the words each shows.
//! Shared by the orientation bench and the proof reader's tests.

#![allow(dead_code)] // each user takes part of it

use covenant_vision::image::RgbImage;
use covenant_vision::{decode, DecodeLimits, Ocr};

pub const PHOTOS: [(&str, &[u8], &str); 6] = [
    (
        "scenetext01",
        include_bytes!("../tests/fixtures/scenetext/scenetext01.jpg"),
        "notice double parking prohibited at all times",
    ),
    (
        "scenetext02",
        include_bytes!("../tests/fixtures/scenetext/scenetext02.jpg"),
        "sports centre wivenhoe park conference centre car parks",
    ),
    ("scenetext03", include_bytes!("../tests/fixtures/scenetext/scenetext03.jpg"), "the copy centre"),
    ("scenetext04", include_bytes!("../tests/fixtures/scenetext/scenetext04.jpg"), "gm 125"),
    ("scenetext05", include_bytes!("../tests/fixtures/scenetext/scenetext05.jpg"), "no parking"),
    ("scenetext06", include_bytes!("../tests/fixtures/scenetext/scenetext06.jpg"), "priory galleries at the ship"),
];

pub fn photos() -> Vec<RgbImage> {
    PHOTOS
        .iter()
        .map(|(name, bytes, _)| decode(bytes, DecodeLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

/// Lower-case letters and digits only: "Wivenhoe Park" and "WivenhoePark" read the same.
fn squeeze(text: &str) -> String {
    text.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect()
}

/// (words found, words shown) for one photo's reading.
pub fn found(read: &[String], shown: &str) -> (usize, usize) {
    let text = squeeze(&read.join(" "));
    let words: Vec<&str> = shown.split_whitespace().collect();
    (words.iter().filter(|word| text.contains(&squeeze(word))).count(), words.len())
}

/// Recall over all photos turned `quarter_turns` clockwise, and each photo's reading.
pub fn recall(ocr: &Ocr, photos: &[RgbImage], quarter_turns: u8) -> (f64, Vec<Vec<String>>) {
    let turned: Vec<RgbImage> =
        photos.iter().map(|photo| covenant_vision::orient::turned(photo, quarter_turns).into_owned()).collect();
    let pages = ocr.read(&turned, 1).expect("reads");
    let texts: Vec<Vec<String>> =
        pages.iter().map(|page| page.iter().map(|region| region.text.clone()).collect()).collect();
    let (mut hit, mut total) = (0, 0);
    for (read, (_, _, shown)) in texts.iter().zip(PHOTOS) {
        let (h, t) = found(read, shown);
        hit += h;
        total += t;
    }
    (hit as f64 / total as f64, texts)
}
