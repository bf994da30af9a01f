//! Bytes to pixels, refusing what would cost more than a photo should: the header's dimensions are
//! checked before any pixel is decoded (a 20 KB PNG can claim 50,000 × 50,000), and the decoder's
//! own allocation limit backs that up.

use std::io::Cursor;

use image::{ImageReader, Limits, RgbImage};

#[derive(Clone, Copy, Debug)]
pub struct DecodeLimits {
    /// Width × height, at most.
    pub max_pixels: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self { max_pixels: 40_000_000 }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("{width} x {height} pixels is over the limit of {limit}")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("not a PNG or JPEG image: {0}")]
    Undecodable(String),
}

/// Decodes PNG or JPEG bytes (the format is sniffed, never taken from a file name) into RGB.
pub fn decode(bytes: &[u8], limits: DecodeLimits) -> Result<RgbImage, DecodeError> {
    let undecodable = |error: image::ImageError| DecodeError::Undecodable(error.to_string());
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Undecodable(e.to_string()))?;
    if reader.format().is_none() {
        return Err(DecodeError::Undecodable("unknown format".into()));
    }
    let (width, height) = reader.into_dimensions().map_err(undecodable)?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(DecodeError::TooManyPixels { width, height, limit: limits.max_pixels });
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| DecodeError::Undecodable(e.to_string()))?;
    let mut decoder_limits = Limits::default();
    // Room for the decoded buffer in its widest format (16-bit RGBA), nothing more.
    decoder_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(1 << 20));
    reader.limits(decoder_limits);
    let image = reader.decode().map_err(undecodable)?;
    Ok(image.into_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    /// A valid 1x1 PNG whose header then claims `width` x `height` (a decompression bomb's shape).
    fn png_claiming(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = std::io::Cursor::new(Vec::new());
        RgbImage::new(1, 1).write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        let mut bytes = bytes.into_inner();
        // Signature (8), IHDR length (4), "IHDR" (4), then width and height; CRC after 13 bytes.
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        let crc = crc32(&bytes[12..29]);
        bytes[29..33].copy_from_slice(&crc.to_be_bytes());
        bytes
    }

    #[test]
    fn a_header_claiming_too_many_pixels_is_refused_before_decoding() {
        let bomb = png_claiming(50_000, 50_000);
        assert!(bomb.len() < 100);
        let error = decode(&bomb, DecodeLimits::default()).unwrap_err();
        assert_eq!(error, DecodeError::TooManyPixels { width: 50_000, height: 50_000, limit: 40_000_000 });
        assert!(decode(&png_claiming(1, 1), DecodeLimits::default()).is_ok());
    }

    #[test]
    fn what_is_not_an_image_is_undecodable() {
        assert!(matches!(decode(b"hello", DecodeLimits::default()), Err(DecodeError::Undecodable(_))));
        // A PNG cut short.
        let mut bytes = std::io::Cursor::new(Vec::new());
        RgbImage::new(64, 64).write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        let cut = &bytes.get_ref()[..bytes.get_ref().len() / 2];
        assert!(matches!(decode(cut, DecodeLimits::default()), Err(DecodeError::Undecodable(_))));
    }
}
