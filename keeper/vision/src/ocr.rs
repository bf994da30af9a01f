//! Reading the text in a photo with PP-OCRv4 in ONNX Runtime: text detection (a DB probability
//! map, turned into rotated boxes), then recognition of the boxes (CTC decoding over the character
//! set stored in the recognition model's own metadata). Pre- and post-processing follow RapidOCR's,
//! whose wheel ships these models: BGR input, (x/255 - 0.5) / 0.5, detection threshold 0.3, box
//! threshold 0.5, unclip ratio 1.6, recognition height 48.
//!
//! A photo reads the same whatever else is read with it: detection batches only photos of the same
//! scaled size (no padding), and each crop is padded to a width that depends on the crop alone
//! (its own width rounded up to `REC_WIDTH_STEP`, at least 160), so batches group crops of equal
//! padded width. Memory is bounded by construction: recognition runs in chunks of at most
//! `REC_CHUNK_COLUMNS` padded columns, crops are cut chunk by chunk, and a photo keeps at most
//! `MAX_REGIONS_PER_PHOTO` regions.

use std::borrow::Cow;
use std::sync::Mutex;

use image::imageops::{self, FilterType};
use image::RgbImage;
use ndarray::{Array4, Axis};
use ort::session::Session;
use ort::value::TensorRef;

use crate::orient::{most_of_the_text, turned, DirectionClassifier};
use crate::planes::{write_bgr, write_bgr_scaled};
pub use crate::regions::Region;
use crate::regions::{area, boxes_from_map, crop, crop_size, is_tall, side, upright_crop, MIN_BOX_SIDE};
use crate::{parallel, VisionError};

const REC_HEIGHT: u32 = 48;
/// Crops are padded to at least this many heights (160 columns). RapidOCR pads to 320; half that
/// reads the same words on the test photos and takes a third less recognition time on short words.
const REC_MIN_RATIO: f32 = 160.0 / 48.0;
/// A text line longer than this many heights is cut (bounds one crop's tensor).
const REC_MAX_RATIO: f32 = 40.0;
/// Regions read with less mean confidence than this are dropped (RapidOCR's `text_score`).
const TEXT_SCORE: f32 = 0.5;
/// A crop's padded width is its scaled width rounded up to this (and at least 160): the padding
/// depends on the crop alone, and nearby widths still share a batch.
const REC_WIDTH_STEP: usize = 32;
/// One recognition run holds at most this many padded columns (batch × width): 32 short words, or
/// 2 lines of the widest kind (1,920). Measured peak per run: BENCHMARKS.md, "A flood of pages".
pub const REC_CHUNK_COLUMNS: usize = 16 * 320;
/// Regions kept per photo, the largest first (a poster's text is large; a page of small print
/// beyond this is not a proof of anything more).
pub const MAX_REGIONS_PER_PHOTO: usize = 256;

/// One detected text region and what was read in it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TextRegion {
    pub text: String,
    /// Mean probability of the recognised characters.
    pub confidence: f32,
    /// Mean detection probability inside the region.
    pub box_score: f32,
    /// Corners in the original image (top-left, top-right, bottom-right, bottom-left).
    #[serde(skip)]
    pub corners: [(f32, f32); 4],
}

/// Which models read the proofs, as logged and recorded.
#[derive(Clone, Debug)]
pub struct OcrInfo {
    pub det_hash: [u8; 32],
    pub rec_hash: [u8; 32],
    pub cls_hash: [u8; 32],
    pub provider: String,
}

pub struct Ocr {
    det: Mutex<Session>,
    rec: Mutex<Session>,
    direction: DirectionClassifier,
    /// Index 0 is CTC's blank; the last is the space RapidOCR appends.
    charset: Vec<String>,
    /// Images are scaled so their longer side is this (a multiple of 32) before detection.
    det_side: u32,
    /// Whether photos are turned to read their text upright (on by default).
    orientation: bool,
    info: OcrInfo,
}

/// An image scaled for the detector, and how to map its coordinates back.
pub struct Scaled {
    width: u32,
    height: u32,
    ratio_x: f32,
    ratio_y: f32,
}

impl Ocr {
    /// Wraps the three sessions (built by the caller on its device); `info` names them. Checks that
    /// they are a PP-OCR detector, a RapidOCR recogniser with its character set and a
    /// text-direction classifier.
    pub fn new(det: Session, rec: Session, cls: Session, det_side: u32, info: OcrInfo) -> Result<Self, VisionError> {
        check_det(&det).map_err(|detail| VisionError::Contract { model: DET_MODEL, detail })?;
        let charset = check_rec(&rec).map_err(|detail| VisionError::Contract { model: REC_MODEL, detail })?;
        let direction = DirectionClassifier::new(cls)?;
        let det_side = (det_side.max(32) / 32) * 32;
        Ok(Self { det: Mutex::new(det), rec: Mutex::new(rec), direction, charset, det_side, orientation: true, info })
    }

    /// With `false`, photos are read as they are: no quarter or half turns, no flipped crops (what
    /// the reader did before it had a direction classifier; the orientation bench compares both).
    pub fn with_orientation(mut self, orientation: bool) -> Self {
        self.orientation = orientation;
        self
    }

    pub fn info(&self) -> &OcrInfo {
        &self.info
    }

    /// The longer side photos are scaled to for detection.
    pub fn det_side(&self) -> u32 {
        self.det_side
    }

    /// Reads every image: detection in batches of at most `det_batch` same-sized photos, then
    /// recognition in bounded chunks. Returns each image's regions in reading order.
    pub fn read(&self, images: &[RgbImage], det_batch: usize) -> Result<Vec<Vec<TextRegion>>, VisionError> {
        let boxes = self.detect_all(images, det_batch)?;
        self.read_detected(images, &boxes)
    }

    /// Recognises the regions `detect_all` found in `images` (the caller may drop photos between the
    /// two steps, for example to stay within a tick's budget of regions).
    pub fn read_detected(&self, images: &[RgbImage], layouts: &[Layout]) -> Result<Vec<Vec<TextRegion>>, VisionError> {
        let upright: Vec<_> =
            images.iter().zip(layouts).map(|(image, layout)| turned(image, layout.quarter_turns)).collect();
        let regions = placed(&upright, layouts);
        // A crop the classifier calls upside down is read both ways and keeps the surer reading: the
        // classifier errs on a few lines of small print, and recognition's confidence settles it.
        let unflipped: Vec<usize> = (0..regions.len()).filter(|&index| regions[index].2).collect();
        let entries: Vec<(usize, bool)> = (0..regions.len())
            .map(|index| (index, regions[index].2))
            .chain(unflipped.iter().map(|&index| (index, false)))
            .collect();
        let widths: Vec<usize> =
            entries.iter().map(|&(index, _)| padded_width(crop_size(&regions[index].1 .0))).collect();
        let mut both = self.recognise_with(&widths, |entry| {
            let (index, flip) = entries[entry];
            upright_crop(regions[index].0, &regions[index].1 .0, flip)
        })?;
        let as_is = both.split_off(regions.len());
        for (&index, reading) in unflipped.iter().zip(as_is) {
            if reading.1 > both[index].1 {
                both[index] = reading;
            }
        }
        let mut read = both.into_iter();
        let mut pages = Vec::with_capacity(images.len());
        for layout in layouts {
            let mut page = Vec::with_capacity(layout.regions.len());
            for &(corners, box_score) in &layout.regions {
                let (text, confidence) = read.next().unwrap_or_default();
                if confidence >= TEXT_SCORE && !text.trim().is_empty() {
                    page.push(TextRegion { text, confidence, box_score, corners });
                }
            }
            pages.push(page);
        }
        Ok(pages)
    }

    /// Where each image's text is, read upright: regions found with the photo as it is; photos
    /// whose text mostly runs down the page looked at again turned a quarter, the way the direction
    /// classifier says; then photos whose text mostly reads upside down looked at again turned half
    /// a turn more; each remaining crop that reads upside down flipped on its own. Decided photo by photo, so no photo's layout
    /// depends on the others.
    pub fn detect_all(&self, images: &[RgbImage], det_batch: usize) -> Result<Vec<Layout>, VisionError> {
        let mut layouts: Vec<Layout> = self
            .detect_batched(&images.iter().map(Cow::Borrowed).collect::<Vec<_>>(), det_batch)?
            .into_iter()
            .map(|regions| Layout { quarter_turns: 0, flipped: vec![false; regions.len()], regions })
            .collect();
        if !self.orientation {
            return Ok(layouts);
        }
        // Text running down: tall crops are turned back a quarter (270°) when cut; if the classifier
        // reads most of them upright the photo was turned 90° clockwise, else 90° the other way.
        let mut sideways = Vec::new();
        for index in 0..images.len() {
            if most_of_the_text(layouts[index].regions.iter().map(|(c, _)| (area(c), is_tall(c)))) {
                self.classify(&images[index], &mut layouts[index])?;
                let layout = &layouts[index];
                let upside_down =
                    most_of_the_text(layout.regions.iter().zip(&layout.flipped).map(|((c, _), &flip)| (area(c), flip)));
                sideways.push((index, if upside_down { 1 } else { 3 }));
            }
        }
        self.look_again(images, &mut layouts, &sideways, det_batch)?;
        for index in 0..images.len() {
            self.classify(&images[index], &mut layouts[index])?;
        }
        let upside_down: Vec<(usize, u8)> = (0..images.len())
            .filter(|&index| {
                let layout = &layouts[index];
                most_of_the_text(layout.regions.iter().zip(&layout.flipped).map(|((c, _), &flip)| (area(c), flip)))
            })
            .map(|index| (index, (layouts[index].quarter_turns + 2) % 4))
            .collect();
        self.look_again(images, &mut layouts, &upside_down, det_batch)?;
        for &(index, _) in &upside_down {
            self.classify(&images[index], &mut layouts[index])?;
        }
        Ok(layouts)
    }

    /// Detects each `(photo, quarter_turns)` again with the photo turned that far.
    fn look_again(
        &self,
        images: &[RgbImage],
        layouts: &mut [Layout],
        which: &[(usize, u8)],
        det_batch: usize,
    ) -> Result<(), VisionError> {
        let views: Vec<Cow<'_, RgbImage>> = which.iter().map(|&(index, turns)| turned(&images[index], turns)).collect();
        for (&(index, quarter_turns), regions) in which.iter().zip(self.detect_batched(&views, det_batch)?) {
            layouts[index] = Layout { quarter_turns, flipped: vec![false; regions.len()], regions };
        }
        Ok(())
    }

    /// Which of the layout's crops read upside down.
    fn classify(&self, image: &RgbImage, layout: &mut Layout) -> Result<(), VisionError> {
        let view = turned(image, layout.quarter_turns);
        let crops = parallel::map(layout.regions.iter().collect(), |(corners, _)| crop(&view, corners));
        layout.flipped = self.direction.upside_down(&crops)?;
        Ok(())
    }

    /// Text regions of every image. Only photos of the same scaled size share a batch (at most
    /// `det_batch`), so none is padded by another.
    fn detect_batched(&self, images: &[Cow<'_, RgbImage>], det_batch: usize) -> Result<Vec<Vec<Region>>, VisionError> {
        let mut by_size: std::collections::BTreeMap<(u32, u32), Vec<usize>> = Default::default();
        for (index, image) in images.iter().enumerate() {
            let scaled = self.scale(image);
            by_size.entry((scaled.width, scaled.height)).or_default().push(index);
        }
        let mut boxes = vec![Vec::new(); images.len()];
        for indices in by_size.values() {
            for chunk in indices.chunks(det_batch.max(1)) {
                let batch: Vec<RgbImage> = chunk.iter().map(|&index| images[index].as_ref().clone()).collect();
                for (&index, found) in chunk.iter().zip(self.detect(&batch)?) {
                    boxes[index] = found;
                }
            }
        }
        Ok(boxes)
    }

    fn scale(&self, image: &RgbImage) -> Scaled {
        let (w, h) = image.dimensions();
        let ratio = self.det_side as f32 / w.max(h).max(1) as f32;
        let round = |side: u32| ((((side as f32 * ratio) / 32.0).round() as u32) * 32).max(32);
        let (width, height) = (round(w), round(h));
        Scaled { width, height, ratio_x: width as f32 / w as f32, ratio_y: height as f32 / h as f32 }
    }

    /// The detection input for a batch (zero-padded to its largest image) and each image's scale.
    pub fn detection_input(&self, images: &[RgbImage]) -> (Array4<f32>, Vec<Scaled>) {
        let scaled: Vec<Scaled> = images.iter().map(|image| self.scale(image)).collect();
        let max_w = scaled.iter().map(|s| s.width).max().unwrap_or(32) as usize;
        let max_h = scaled.iter().map(|s| s.height).max().unwrap_or(32) as usize;
        let mut input = Array4::<f32>::zeros((images.len(), 3, max_h, max_w));
        let jobs: Vec<_> = input.axis_iter_mut(Axis(0)).zip(images).zip(&scaled).collect();
        parallel::map(jobs, |((mut plane, image), scale)| {
            write_bgr_scaled(image, scale.width as usize, scale.height as usize, &mut plane);
        });
        (input, scaled)
    }

    fn detect(&self, images: &[RgbImage]) -> Result<Vec<Vec<Region>>, VisionError> {
        let (input, scaled) = self.detection_input(images);
        let inference = |error: ort::Error| VisionError::Inference(format!("text detection: {error}"));
        let mut det = self.det.lock().map_err(|_| VisionError::Inference("detection session poisoned".into()))?;
        let tensor = TensorRef::from_array_view(input.view()).map_err(inference)?;
        let outputs = det.run(ort::inputs!["x" => tensor]).map_err(inference)?;
        let map = outputs[0].try_extract_array::<f32>().map_err(inference)?;
        let shape = map.shape().to_vec();
        let [batch, channels, height, width] = shape[..] else {
            return Err(VisionError::Inference(format!("text detection output has shape {shape:?}")));
        };
        if batch != images.len() {
            return Err(VisionError::Inference(format!(
                "text detection output has {batch} maps for {} images",
                images.len()
            )));
        }
        let data =
            map.as_slice().ok_or_else(|| VisionError::Inference("text detection output is not contiguous".into()))?;
        let jobs: Vec<_> = images.iter().zip(&scaled).enumerate().collect();
        let found = parallel::map(jobs, |(index, (image, scale))| {
            let (h, w) = ((scale.height as usize).min(height), (scale.width as usize).min(width));
            // The first channel of this image's map (PP-OCR detectors have one).
            let start = index * channels * height * width;
            let plane = &data[start..start + height * width];
            let mut boxes = boxes_from_map(plane, width, w, h);
            for (corners, _) in &mut boxes {
                for point in corners.iter_mut() {
                    point.0 = (point.0 / scale.ratio_x).clamp(0.0, image.width() as f32 - 1.0);
                    point.1 = (point.1 / scale.ratio_y).clamp(0.0, image.height() as f32 - 1.0);
                }
            }
            boxes.retain(|(corners, _)| {
                side(corners[0], corners[1]) > MIN_BOX_SIDE && side(corners[0], corners[3]) > MIN_BOX_SIDE
            });
            if boxes.len() > MAX_REGIONS_PER_PHOTO {
                boxes.sort_by(|a, b| area(&b.0).total_cmp(&area(&a.0)));
                boxes.truncate(MAX_REGIONS_PER_PHOTO);
            }
            // Reading order: top to bottom in bands of 10 px, then left to right.
            boxes.sort_by(|a, b| {
                let band = |c: &[(f32, f32); 4]| (c[0].1 / 10.0) as i64;
                band(&a.0).cmp(&band(&b.0)).then(a.0[0].0.total_cmp(&b.0[0].0))
            });
            boxes
        });
        Ok(found)
    }

    /// Recognises crops; (text, mean confidence) each, in order. Each crop is padded to its own
    /// `padded_width`, so its reading does not depend on the other crops.
    pub fn recognise(&self, crops: &[RgbImage]) -> Result<Vec<(String, f32)>, VisionError> {
        let widths: Vec<usize> = crops.iter().map(|crop| padded_width(crop.dimensions())).collect();
        self.recognise_with(&widths, |index| crops[index].clone())
    }

    /// Recognises `widths.len()` crops, cut on demand by `crop_at`: crops of equal padded width
    /// together, in runs of at most `REC_CHUNK_COLUMNS` columns, so only one run's crops and
    /// tensors are in memory at a time.
    fn recognise_with(
        &self,
        widths: &[usize],
        crop_at: impl Fn(usize) -> RgbImage + Sync,
    ) -> Result<Vec<(String, f32)>, VisionError> {
        let mut order: Vec<usize> = (0..widths.len()).collect();
        order.sort_by_key(|&index| widths[index]);
        let mut read = vec![(String::new(), 0.0f32); widths.len()];
        let mut start = 0;
        while start < order.len() {
            let width = widths[order[start]];
            let most = (REC_CHUNK_COLUMNS / width).max(1);
            let mut end = start + 1;
            while end < order.len() && end - start < most && widths[order[end]] == width {
                end += 1;
            }
            let chunk = &order[start..end];
            let crops = parallel::map(chunk.to_vec(), &crop_at);
            for (&index, result) in chunk.iter().zip(self.recognise_run(&crops, width)?) {
                read[index] = result;
            }
            start = end;
        }
        Ok(read)
    }

    /// One recognition run: `crops` scaled to height 48 and padded to `width` columns.
    fn recognise_run(&self, crops: &[RgbImage], width: usize) -> Result<Vec<(String, f32)>, VisionError> {
        if crops.is_empty() {
            return Ok(Vec::new());
        }
        let input = recognition_input_at(crops, width);
        let inference = |error: ort::Error| VisionError::Inference(format!("text recognition: {error}"));
        let mut rec = self.rec.lock().map_err(|_| VisionError::Inference("recognition session poisoned".into()))?;
        let tensor = TensorRef::from_array_view(input.view()).map_err(inference)?;
        let outputs = rec.run(ort::inputs!["x" => tensor]).map_err(inference)?;
        let probabilities = outputs[0].try_extract_array::<f32>().map_err(inference)?;
        let shape = probabilities.shape().to_vec();
        let [batch, steps, classes] = shape[..] else {
            return Err(VisionError::Inference(format!("text recognition output has shape {shape:?}")));
        };
        if batch != crops.len() || classes != self.charset.len() {
            return Err(VisionError::Inference(format!(
                "text recognition output {shape:?} for {} crops and {} classes",
                crops.len(),
                self.charset.len()
            )));
        }
        let probabilities = &probabilities;
        let charset = &self.charset;
        Ok(parallel::map((0..batch).collect(), |index| {
            let (mut text, mut sum, mut count, mut previous) = (String::new(), 0.0f32, 0u32, 0usize);
            for step in 0..steps {
                let row = probabilities.slice(ndarray::s![index, step, ..]);
                let (best, best_p) =
                    row.iter()
                        .enumerate()
                        .fold((0usize, f32::MIN), |best, (class, &p)| if p > best.1 { (class, p) } else { best });
                // CTC: blanks separate, repeats merge.
                if best != 0 && best != previous {
                    text.push_str(&charset[best]);
                    sum += best_p;
                    count += 1;
                }
                previous = best;
            }
            (text, if count == 0 { 0.0 } else { sum / count as f32 })
        }))
    }
}

/// Where a photo's text is: how far the photo was turned (clockwise, in quarters) to read it
/// upright, its regions in the turned photo, and which of their crops read upside down.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub quarter_turns: u8,
    pub regions: Vec<Region>,
    pub flipped: Vec<bool>,
}

/// A region with the (turned) photo it is in and whether its crop reads upside down.
type Placed<'a> = (&'a RgbImage, &'a Region, bool);

/// Every layout's regions, in order, with their photos turned as the layouts say.
fn placed<'a>(upright: &'a [Cow<'a, RgbImage>], layouts: &'a [Layout]) -> Vec<Placed<'a>> {
    upright
        .iter()
        .zip(layouts)
        .flat_map(|(image, layout)| {
            layout.regions.iter().zip(&layout.flipped).map(move |(region, &flip)| (image.as_ref(), region, flip))
        })
        .collect()
}

/// Every region of every image, straightened into upright crops, in order.
pub fn crops(images: &[RgbImage], layouts: &[Layout]) -> Vec<RgbImage> {
    let upright: Vec<_> =
        images.iter().zip(layouts).map(|(image, layout)| turned(image, layout.quarter_turns)).collect();
    parallel::map(placed(&upright, layouts), |(image, (corners, _), flip)| upright_crop(image, corners, flip))
}

pub const DET_MODEL: &str = "ch_PP-OCRv4_det_infer.onnx";
pub const REC_MODEL: &str = "ch_PP-OCRv4_rec_infer.onnx";

/// A crop's width scaled to height 48 (at most `REC_MAX_RATIO` heights).
fn scaled_width((width, height): (u32, u32)) -> usize {
    let ratio = (width as f32 / height.max(1) as f32).min(REC_MAX_RATIO);
    ((REC_HEIGHT as f32 * ratio).ceil() as usize).max(1)
}

/// The width a crop is padded to: its scaled width rounded up to `REC_WIDTH_STEP`, at least 160.
/// A function of the crop alone.
pub fn padded_width(size: (u32, u32)) -> usize {
    let minimum = (REC_HEIGHT as f32 * REC_MIN_RATIO).ceil() as usize;
    scaled_width(size).div_ceil(REC_WIDTH_STEP).saturating_mul(REC_WIDTH_STEP).max(minimum)
}

/// Recognition input for crops read one way or another: each padded to its own `padded_width`
/// and, where those differ, to the widest (what `Ocr::recognise` never batches together).
pub fn recognition_input(crops: &[RgbImage]) -> Array4<f32> {
    let width = crops.iter().map(|crop| padded_width(crop.dimensions())).max().unwrap_or(0);
    recognition_input_at(crops, width)
}

/// Each crop scaled to height 48 and zero-padded to `width` columns.
fn recognition_input_at(crops: &[RgbImage], width: usize) -> Array4<f32> {
    let mut input = Array4::<f32>::zeros((crops.len(), 3, REC_HEIGHT as usize, width));
    let jobs: Vec<_> = input.axis_iter_mut(Axis(0)).zip(crops).collect();
    parallel::map(jobs, |(mut plane, crop)| {
        let scaled = (scaled_width(crop.dimensions()) as u32).clamp(1, width.max(1) as u32);
        let resized = imageops::resize(crop, scaled, REC_HEIGHT, FilterType::Triangle);
        write_bgr(&resized, &mut plane);
    });
    input
}

fn check_det(session: &Session) -> Result<(), String> {
    let (inputs, outputs) = (session.inputs(), session.outputs());
    if inputs.len() != 1 || inputs[0].name() != "x" || outputs.len() != 1 {
        return Err("expected a PP-OCR detector: one input `x` [batch, 3, h, w], one probability map".into());
    }
    Ok(())
}

/// The recognition model's character set from its `character` metadata, with CTC's blank first
/// and RapidOCR's space last; it must match the model's class count.
fn check_rec(session: &Session) -> Result<Vec<String>, String> {
    let metadata = session.metadata().map_err(|error| error.to_string())?;
    let characters =
        metadata.custom("character").ok_or("no `character` metadata (not a RapidOCR PP-OCR recognizer)")?;
    let mut charset = vec![String::new()];
    charset.extend(characters.lines().map(str::to_string));
    charset.push(" ".into());
    let classes = match session.outputs().first().map(|output| output.dtype()) {
        Some(ort::value::ValueType::Tensor { shape, .. }) => shape.last().copied().unwrap_or(-1),
        _ => -1,
    };
    if usize::try_from(classes).ok() != Some(charset.len()) {
        return Err(format!("{} characters (with blank and space) for {classes} output classes", charset.len()));
    }
    Ok(charset)
}
