//! One photo pays once, measured: how the duplicate detector separates copies from new photos on
//! real photos (`photo_pairs`) and on the demo's renders, what a fingerprint costs next to reading
//! the photo, and how lookups scale with the index against a scan, all in one run.
//! `cargo bench -p covenant-keeper --bench duplicates`; BENCHMARKS.md ("One photo pays once").

mod memory;
#[path = "photo_pairs.rs"]
mod photo_pairs;

use std::time::Instant;

use anchor_lang::prelude::Pubkey;
use covenant_keeper::config::{CopiesConfig, ProofConfig};
use covenant_keeper::model::Device;
use covenant_keeper::proofs::copies::{PhotoEntry, PhotoIndex};
use covenant_keeper::proofs::load_ocr;
use covenant_keeper::setup;
use covenant_vision::edits::{self, Edit};
use covenant_vision::image::RgbImage;
use covenant_vision::render::{render, Photo};
use covenant_vision::{Fingerprint, Orientation};

type Query = Vec<(Orientation, Fingerprint)>;

#[derive(Default)]
struct Tally {
    copy: usize,
    held: usize,
    new: usize,
    max: u32,
    min: u32,
}

impl Tally {
    fn add(&mut self, distance: u32, config: &CopiesConfig) {
        if self.copy + self.held + self.new == 0 {
            self.min = distance;
        }
        (self.max, self.min) = (self.max.max(distance), self.min.min(distance));
        match distance {
            d if d <= config.copy_distance => self.copy += 1,
            d if d < config.new_distance => self.held += 1,
            _ => self.new += 1,
        }
    }

    fn total(&self) -> usize {
        self.copy + self.held + self.new
    }
}

fn random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn main() {
    let mut out = setup::stdout_without_program_logs();
    macro_rules! out {
        ($($arg:tt)*) => {{
            use std::io::Write as _;
            let _ = writeln!(out, $($arg)*);
        }};
    }
    let config = CopiesConfig::default();
    let photos = photo_pairs::all();
    let prints: Vec<Vec<Fingerprint>> = photos.iter().map(|(_, image)| Fingerprint::stored(image)).collect();

    // Same-shot pairs: each photo against each of its copies.
    out!(
        "Duplicate detector, {} real photos; copy at distance <= {}, held below {}, new from {}",
        photos.len(),
        config.copy_distance,
        config.new_distance,
        config.new_distance
    );
    out!("");
    out!("| pairs | n | caught as copy | held for the operator | taken as new | distances |");
    out!("|---|---:|---:|---:|---:|---|");
    let mut same_shot = Tally::default();
    let mut copies_by_edit = Vec::new();
    for chain in edits::copies() {
        let mut tally = Tally::default();
        for ((_, image), stored) in photos.iter().zip(&prints) {
            let query = Fingerprint::orientations(&edits::apply_all(image, &chain)).to_vec();
            let d = Fingerprint::photo_distance(stored, &query);
            tally.add(d, &config);
            same_shot.add(d, &config);
        }
        let name: Vec<String> = chain.iter().map(|edit| edit.name()).collect();
        copies_by_edit.push((name.join(", "), tally));
    }
    let row = |what: &str, t: &Tally| {
        format!("| {what} | {} | {} | {} | {} | {}-{} |", t.total(), t.copy, t.held, t.new, t.min, t.max)
    };
    for (name, tally) in &copies_by_edit {
        out!("{}", row(&format!("copy: {name}"), tally));
    }
    out!("{}", row("**all copies**", &same_shot));

    // Different shots of one subject, near-identical frames, unrelated photos, the demo's renders.
    let (mut subject, mut burst, mut unrelated) = (Tally::default(), Tally::default(), Tally::default());
    const BURSTS: [&str; 3] = ["basketball1", "rubberwhale1", "Blender_Suzanne1"];
    for (i, (a, _)) in photos.iter().enumerate() {
        for (j, (b, image)) in photos.iter().enumerate() {
            if i == j {
                continue;
            }
            let d = Fingerprint::photo_distance(&prints[i], &Fingerprint::orientations(image));
            if photo_pairs::same_subject(a, b) {
                let frames = BURSTS.iter().any(|first| a == first || b == first);
                if frames {
                    burst.add(d, &config)
                } else {
                    subject.add(d, &config)
                }
            } else {
                unrelated.add(d, &config);
            }
        }
    }
    let poster = Photo::Poster(vec!["COVENANT".into(), "keeps its word".into()]);
    let renders: Vec<RgbImage> = (1..=30u64).map(|seed| render(&poster, seed)).collect();
    let render_prints: Vec<Vec<Fingerprint>> = renders.iter().map(Fingerprint::stored).collect();
    let mut rendered = Tally::default();
    for (i, stored) in render_prints.iter().enumerate() {
        for (j, image) in renders.iter().enumerate() {
            if i != j {
                rendered.add(Fingerprint::photo_distance(stored, &Fingerprint::orientations(image)), &config);
            }
        }
    }
    out!("{}", row("different shots of one subject (8 real pairs, both ways)", &subject));
    out!("{}", row("near-identical frames (2 video pairs, 1 render pair, both ways)", &burst));
    out!("{}", row("unrelated real photos", &unrelated));
    out!("{}", row("demo renders of one poster, 30 seeds", &rendered));
    let flagged = same_shot.copy + subject.copy + unrelated.copy + rendered.copy;
    let precision = same_shot.copy as f64 / flagged.max(1) as f64;
    out!("");
    out!(
        "Precision of \"copy\" {:.3} ({} of {} flagged; near-identical frames left out); recall {:.3} rejected, {:.3} rejected or held",
        precision,
        same_shot.copy,
        flagged,
        same_shot.copy as f64 / same_shot.total() as f64,
        (same_shot.copy + same_shot.held) as f64 / same_shot.total() as f64
    );

    // Cost per photo: fingerprints next to OCR, same photos, same run.
    let library = setup::default_ort_library();
    let ocr = load_ocr(&ProofConfig::default(), std::path::Path::new("."), &library, Device::Cpu).expect("OCR models");
    let images: Vec<RgbImage> = photos.iter().map(|(_, image)| image.clone()).collect();
    let started = Instant::now();
    for image in &images {
        std::hint::black_box((Fingerprint::orientations(image), Fingerprint::windows(image)));
    }
    let fingerprint_s = started.elapsed().as_secs_f64() / images.len() as f64;
    let started = Instant::now();
    for image in &images {
        std::hint::black_box(ocr.read(std::slice::from_ref(image), 1).expect("reads"));
    }
    let ocr_s = started.elapsed().as_secs_f64() / images.len() as f64;
    out!("");
    out!("| per photo ({} real photos, CPU) | ms | ratio to OCR |", images.len());
    out!("|---|---:|---:|");
    out!("| fingerprints (8 orientations + 6 windows) | {:.2} | {:.4}x |", fingerprint_s * 1e3, fingerprint_s / ocr_s);
    out!("| OCR (PP-OCRv4 detect, orient, recognise) | {:.1} | 1x |", ocr_s * 1e3);

    // Lookups as the index grows: real copies' fingerprints among random photos, index against scan.
    out!("");
    out!("| earlier photos | index µs/lookup | scan µs/lookup | scan / index | index found what the scan found | index MiB |");
    out!("|---:|---:|---:|---:|---:|---:|");
    let queries: Vec<Query> = photos
        .iter()
        .flat_map(|(_, image)| {
            [Edit::Reencode(50), Edit::Rotate(3.0), Edit::Crop { fraction: 0.1, offset: 0.5 }]
                .map(|edit| Fingerprint::orientations(&edit.apply(image)).to_vec())
        })
        .collect();
    let mut state = 11;
    for size in [100usize, 10_000, 100_000] {
        let before = memory::rss_mib("VmRSS:");
        let mut index = PhotoIndex::in_memory();
        for n in 0..size {
            let claim = Pubkey::new_unique();
            let fingerprints = match prints.get(n) {
                Some(real) => real.clone(),
                None => (0..7).map(|_| Fingerprint { phash: random(&mut state), dhash: random(&mut state) }).collect(),
            };
            let entry = PhotoEntry {
                claim,
                bounty: Pubkey::default(),
                claimant: claim,
                submitted_at: 0,
                fingerprints,
                owned: true,
            };
            index.insert(entry).expect("in memory");
        }
        let index_mib = memory::rss_mib("VmRSS:") - before;
        let radius = config.new_distance - 1;
        let started = Instant::now();
        let found: Vec<_> = queries.iter().map(|query| index.nearest(query, radius, |_| true)).collect();
        let index_us = started.elapsed().as_secs_f64() * 1e6 / queries.len() as f64;
        let started = Instant::now();
        let scanned: Vec<_> = queries.iter().map(|query| index.nearest_by_scan(query, radius, |_| true)).collect();
        let scan_us = started.elapsed().as_secs_f64() * 1e6 / queries.len() as f64;
        let agree = found
            .iter()
            .zip(&scanned)
            .filter(|(a, b)| a.as_ref().map(|f| f.distance) == b.as_ref().map(|f| f.distance))
            .count();
        out!(
            "| {size} | {index_us:.1} | {scan_us:.1} | {:.1}x | {agree} of {} | {index_mib:.0} |",
            scan_us / index_us,
            queries.len()
        );
        drop(index);
    }
}
