//! Real photos for measuring the duplicate detector: 33 from OpenCV's samples (Debian package
//! `opencv-doc` 4.6.0+dfsg-12, `examples/data/`, shrunk to 384 px and saved as JPEG; see
//! keeper/tests/fixtures/README.md) and the six scene-text photos. Eleven of them are pairs of
//! different shots of one subject (a graffiti wall from two angles, a stereo pair, a chessboard in
//! two poses, a box on its own and in a scene, ...): the honest claims a detector must not call
//! copies. Same-shot pairs are each photo against its copies (`covenant_vision::edits::copies`).
//! Shared by the `duplicates` bench and the keeper's duplicate tests.

#![allow(dead_code)] // each user takes part of it

#[path = "scenetext.rs"]
mod scenetext;

use covenant_vision::image::RgbImage;
use covenant_vision::{decode, DecodeLimits};

macro_rules! photos {
    ($($name:literal),* $(,)?) => {
        [$(($name, include_bytes!(concat!("../tests/fixtures/photos/", $name, ".jpg")) as &[u8])),*]
    };
}

pub const OPENCV: [(&str, &[u8]); 33] = photos![
    "graf1",
    "graf3",
    "aloeL",
    "aloeR",
    "aero1",
    "aero3",
    "leuvenA",
    "leuvenB",
    "left01",
    "left02",
    "left03",
    "left04",
    "left",
    "right",
    "box",
    "box_in_scene",
    "Blender_Suzanne1",
    "Blender_Suzanne2",
    "basketball1",
    "basketball2",
    "rubberwhale1",
    "rubberwhale2",
    "building",
    "home",
    "fruits",
    "baboon",
    "messi5",
    "starry_night",
    "butterfly",
    "squirrel_cls",
    "HappyFish",
    "orange",
    "apple",
];

/// Different shots of one subject, by name.
pub const SAME_SUBJECT: [(&str, &str); 11] = [
    ("graf1", "graf3"),
    ("aloeL", "aloeR"),
    ("aero1", "aero3"),
    ("leuvenA", "leuvenB"),
    ("left01", "left02"),
    ("left03", "left04"),
    ("left", "right"),
    ("box", "box_in_scene"),
    ("Blender_Suzanne1", "Blender_Suzanne2"),
    ("basketball1", "basketball2"),
    ("rubberwhale1", "rubberwhale2"),
];

/// Every photo by name: OpenCV's and the scene-text ones.
pub fn all() -> Vec<(String, RgbImage)> {
    let scenetext = scenetext::PHOTOS.iter().map(|(name, bytes, _)| (*name, *bytes));
    OPENCV
        .iter()
        .copied()
        .chain(scenetext)
        .map(|(name, bytes)| {
            let image = decode(bytes, DecodeLimits::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name.to_string(), image)
        })
        .collect()
}

pub fn same_subject(a: &str, b: &str) -> bool {
    SAME_SUBJECT.iter().any(|&(x, y)| (x, y) == (a, b) || (y, x) == (a, b))
}
