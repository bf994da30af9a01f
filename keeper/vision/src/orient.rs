//! Which way a photo's text runs. Fans photograph posters sideways and upside down: the reader turns
//! a photo a quarter when most of its text runs down the page, then asks PP-OCR's text-direction
//! classifier (`ch_ppocr_mobile_v2.0_cls_infer.onnx`, from the same RapidOCR wheel) which crops read
//! upside down; most of the text upside down turns the whole photo half a turn, so reading order
//! follows. A crop still called upside down is read both ways (`Ocr::read_detected`).

use std::borrow::Cow;
use std::sync::Mutex;

use image::imageops::{self, FilterType};
use image::RgbImage;
use ndarray::{Array4, Axis};
use ort::session::Session;
use ort::value::TensorRef;

use crate::{parallel, VisionError};

pub const CLS_MODEL: &str = "ch_ppocr_mobile_v2.0_cls_infer.onnx";
/// The classifier's input: height 48, padded to 192 columns (RapidOCR's `cls_image_shape`).
const CLS_HEIGHT: u32 = 48;
const CLS_WIDTH: u32 = 192;
/// A crop is upside down when the classifier says so with at least this probability (RapidOCR's
/// `cls_thresh`).
const CLS_THRESHOLD: f32 = 0.9;
/// Crops per classifier run: 64 × 3 × 48 × 192 floats is 7 MiB.
const CLS_CHUNK: usize = 64;

pub struct DirectionClassifier {
    session: Mutex<Session>,
}

impl DirectionClassifier {
    /// Checks that `session` is a two-class text-direction classifier (0°, 180°).
    pub fn new(session: Session) -> Result<Self, VisionError> {
        let (inputs, outputs) = (session.inputs(), session.outputs());
        let two_classes = match outputs.first().map(|output| output.dtype()) {
            Some(ort::value::ValueType::Tensor { shape, .. }) => shape.last().copied() == Some(2),
            _ => false,
        };
        if inputs.len() != 1 || inputs[0].name() != "x" || outputs.len() != 1 || !two_classes {
            return Err(VisionError::Contract {
                model: CLS_MODEL,
                detail: "expected a PP-OCR text-direction classifier: one input `x`, one output [batch, 2]".into(),
            });
        }
        Ok(Self { session: Mutex::new(session) })
    }

    /// Whether each crop reads upside down. Every crop is scaled and padded alone to 48 × 192, so
    /// its answer does not depend on the others.
    pub fn upside_down(&self, crops: &[RgbImage]) -> Result<Vec<bool>, VisionError> {
        let mut flipped = Vec::with_capacity(crops.len());
        for chunk in crops.chunks(CLS_CHUNK) {
            let mut input = Array4::<f32>::zeros((chunk.len(), 3, CLS_HEIGHT as usize, CLS_WIDTH as usize));
            let jobs: Vec<_> = input.axis_iter_mut(Axis(0)).zip(chunk).collect();
            parallel::map(jobs, |(mut plane, crop)| {
                // A line longer than the input's 4:1 is judged by its middle at its own shape:
                // squeezed whole into 192 columns (as RapidOCR does) its glyphs are slivers, and the
                // classifier called a sixth of the lines on a page of print upside down.
                let (width, height) = crop.dimensions();
                let window = (height.max(1) * CLS_WIDTH / CLS_HEIGHT).min(width);
                let middle = imageops::crop_imm(crop, (width - window) / 2, 0, window, height).to_image();
                let ratio = middle.width() as f32 / middle.height().max(1) as f32;
                let scaled = ((CLS_HEIGHT as f32 * ratio).ceil() as u32).clamp(1, CLS_WIDTH);
                crate::planes::write_bgr(
                    &imageops::resize(&middle, scaled, CLS_HEIGHT, FilterType::Triangle),
                    &mut plane,
                );
            });
            let inference = |error: ort::Error| VisionError::Inference(format!("text direction: {error}"));
            let mut session =
                self.session.lock().map_err(|_| VisionError::Inference("direction session poisoned".into()))?;
            let tensor = TensorRef::from_array_view(input.view()).map_err(inference)?;
            let outputs = session.run(ort::inputs!["x" => tensor]).map_err(inference)?;
            let probabilities = outputs[0].try_extract_array::<f32>().map_err(inference)?;
            if probabilities.shape() != [chunk.len(), 2] {
                return Err(VisionError::Inference(format!(
                    "text direction output has shape {:?} for {} crops",
                    probabilities.shape(),
                    chunk.len()
                )));
            }
            flipped.extend((0..chunk.len()).map(|index| {
                let (upright, turned) = (probabilities[[index, 0]], probabilities[[index, 1]]);
                turned > upright && turned >= CLS_THRESHOLD
            }));
        }
        Ok(flipped)
    }
}

/// `image` turned clockwise by `quarter_turns` quarters.
pub fn turned(image: &RgbImage, quarter_turns: u8) -> Cow<'_, RgbImage> {
    match quarter_turns % 4 {
        1 => Cow::Owned(imageops::rotate90(image)),
        2 => Cow::Owned(imageops::rotate180(image)),
        3 => Cow::Owned(imageops::rotate270(image)),
        _ => Cow::Borrowed(image),
    }
}

/// Whether regions weighing more than half of the text area (by box area) pass `test`.
pub fn most_of_the_text(areas: impl Iterator<Item = (f32, bool)>) -> bool {
    let (mut total, mut passing) = (0.0f32, 0.0f32);
    for (area, passes) in areas {
        total += area;
        if passes {
            passing += area;
        }
    }
    total > 0.0 && passing > total / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_compose_and_the_weight_of_the_text_decides() {
        let image = RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8, y as u8, 0]));
        assert_eq!(turned(&image, 1).dimensions(), (2, 3));
        assert_eq!(*turned(&turned(&image, 1), 3), image);
        assert_eq!(*turned(&turned(&image, 2), 2), image);
        assert_eq!(*turned(&image, 4), image);
        assert!(most_of_the_text([(10.0, true), (3.0, false), (4.0, false)].into_iter()));
        assert!(!most_of_the_text([(10.0, true), (10.0, false)].into_iter()));
        assert!(!most_of_the_text(std::iter::empty()));
    }
}
