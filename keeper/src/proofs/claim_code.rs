//! Claim codes: a short code derived from the bounty and the claimant's address, written by hand
//! next to the poster. A photo reused by any other wallet shows the wrong code, so a bounty that
//! asks for codes (`Bounty::claim_code`) binds each photo to the wallet that took it.
//!
//! The code is 6 characters from an alphabet without look-alikes (no 0/O/Q/D, 1/I/L, 2/Z, 5/S,
//! 8/B, U/V, G): 20^6 = 64 million codes. The TypeScript client derives the same (test vectors in
//! both test suites).

use anchor_lang::prelude::Pubkey;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const ALPHABET: &[u8; 20] = b"ACEFHJKMNPRTWXY34679";
pub const LENGTH: usize = 6;
const DOMAIN: &[u8] = b"covenant:claim-code:v1";

pub fn claim_code(bounty: &Pubkey, claimant: &Pubkey) -> String {
    let digest = Sha256::new().chain_update(DOMAIN).chain_update(bounty).chain_update(claimant).finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    let mut rest = u64::from_le_bytes(bytes);
    (0..LENGTH)
        .map(|_| {
            let index = (rest % ALPHABET.len() as u64) as usize;
            rest /= ALPHABET.len() as u64;
            char::from(ALPHABET[index])
        })
        .collect()
}

/// What the photo's text says about the claimant's code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum CodeCheck {
    /// Found, with at most one character misread.
    Matched { read: String },
    /// A code-like text that is not this claimant's (another wallet's photo, or a wrong code).
    Mismatched { read: String },
    /// Nothing like a code in the photo.
    Missing,
}

/// Looks for `code` in the text regions read from a photo: in any region, separators and case
/// ignored, one misread character tolerated (a random other code is that close once in ~570,000).
pub fn check<'a>(texts: impl IntoIterator<Item = &'a str>, code: &str) -> CodeCheck {
    let code: Vec<u8> = code.bytes().collect();
    let mut other = None;
    for text in texts {
        let squeezed: Vec<u8> =
            text.bytes().filter(u8::is_ascii_alphanumeric).map(|byte| byte.to_ascii_uppercase()).collect();
        for window in squeezed.windows(LENGTH) {
            let misread = window.iter().zip(&code).filter(|(a, b)| a != b).count();
            if misread <= 1 {
                return CodeCheck::Matched { read: String::from_utf8_lossy(window).into_owned() };
            }
        }
        // A region that is just a code (as written beside the poster) but not this one.
        let in_alphabet = squeezed.iter().filter(|byte| ALPHABET.contains(byte)).count();
        if other.is_none() && (LENGTH..=LENGTH + 1).contains(&squeezed.len()) && in_alphabet + 1 >= LENGTH {
            other = Some(String::from_utf8_lossy(&squeezed).into_owned());
        }
    }
    other.map_or(CodeCheck::Missing, |read| CodeCheck::Mismatched { read })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_legible_and_per_wallet() {
        let bounty = Pubkey::new_from_array([1; 32]);
        let (alice, bob) = (Pubkey::new_from_array([2; 32]), Pubkey::new_from_array([3; 32]));
        let code = claim_code(&bounty, &alice);
        // The vector the TypeScript client checks too (app/client/test/claimCode.test.ts).
        assert_eq!(code, "TX9TA7");
        assert!(code.bytes().all(|byte| ALPHABET.contains(&byte)));
        assert_ne!(claim_code(&bounty, &bob), code);
        assert_ne!(claim_code(&Pubkey::new_from_array([9; 32]), &alice), code);
    }

    #[test]
    fn found_with_one_misread_and_told_apart_from_another_code_or_none() {
        let code = "RH7MJ4";
        let read = |texts: &[&str]| check(texts.iter().copied(), code);
        assert_eq!(read(&["WE LOVE COVENANT", "rh7-mj4"]), CodeCheck::Matched { read: "RH7MJ4".into() });
        assert_eq!(read(&["RH7NJ4"]), CodeCheck::Matched { read: "RH7NJ4".into() });
        assert_eq!(read(&["WE LOVE COVENANT", "KT3CAX"]), CodeCheck::Mismatched { read: "KT3CAX".into() });
        assert_eq!(read(&["WE LOVE COVENANT"]), CodeCheck::Missing);
        assert_eq!(read(&[]), CodeCheck::Missing);
    }
}
