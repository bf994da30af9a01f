//! A bounty's proof rule: the text its photo must show, matched case- and accent-insensitively,
//! ignoring spaces and punctuation, within an edit distance. OCR reads "COVENANT" and "keeps its
//! word" as two regions, and sometimes "SUMMERSALE" for "SUMMER SALE": both sides are compared as
//! one run of letters and digits in reading order.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofRule {
    /// What the photo must show, e.g. the poster's slogan.
    pub text: String,
    /// Letters that may be wrong, missing or extra (OCR slips, a fold in the poster). Default: one
    /// per eight letters of `text`.
    #[serde(default)]
    pub max_edits: Option<u32>,
}

/// How well what was read matches the rule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MatchResult {
    /// Edits between the rule's text and the closest stretch of what was read.
    pub distance: u32,
    /// 1 - distance / length of the rule's text, at least 0.
    pub score: f32,
    pub matched: bool,
}

impl ProofRule {
    pub fn allowed_edits(&self) -> u32 {
        self.max_edits.unwrap_or_else(|| (normalise(&self.text).chars().count() / 8) as u32)
    }

    /// Matches the rule against the text of every region, in reading order.
    pub fn check<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> MatchResult {
        let needle: Vec<char> = normalise(&self.text).chars().collect();
        let haystack: Vec<char> =
            texts.into_iter().flat_map(|text| normalise(text).chars().collect::<Vec<_>>()).collect();
        let distance = substring_distance(&needle, &haystack);
        let length = needle.len().max(1) as f32;
        let score = (1.0 - distance as f32 / length).max(0.0);
        MatchResult { distance, score, matched: !needle.is_empty() && distance <= self.allowed_edits() }
    }
}

/// Lower case, accents removed (NFKD, combining marks dropped), only letters and digits kept.
pub fn normalise(text: &str) -> String {
    text.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The fewest edits that turn `needle` into some stretch of `haystack` (Sellers' algorithm:
/// Levenshtein with a free start and end in the haystack).
pub fn substring_distance(needle: &[char], haystack: &[char]) -> u32 {
    let mut previous: Vec<u32> = vec![0; haystack.len() + 1];
    let mut current = vec![0u32; haystack.len() + 1];
    for (i, n) in needle.iter().enumerate() {
        current[0] = i as u32 + 1;
        for (j, h) in haystack.iter().enumerate() {
            let substitution = previous[j] + u32::from(n != h);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous.into_iter().min().unwrap_or(needle.len() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str, max_edits: Option<u32>) -> ProofRule {
        ProofRule { text: text.into(), max_edits }
    }

    #[test]
    fn case_accents_spaces_and_punctuation_do_not_count() {
        let result = rule("Covenant keeps its word", Some(0)).check(["COVÉNANT", "keeps its-word!"]);
        assert_eq!(result, MatchResult { distance: 0, score: 1.0, matched: true });
    }

    #[test]
    fn edits_within_the_allowance_match_and_beyond_do_not() {
        let slogan = rule("covenant keeps its word", None);
        assert_eq!(slogan.allowed_edits(), 2);
        assert!(slogan.check(["C0VENANT keeps its wrd"]).matched, "two slips");
        let three = slogan.check(["C0VENAN keeps its wrd"]);
        assert_eq!(three.distance, 3);
        assert!(!three.matched);
        assert!(!slogan.check(["SUMMER SALE", "half price"]).matched);
        assert!(slogan.check(["SUMMER SALE"]).score < 0.5);
    }

    #[test]
    fn the_match_may_sit_anywhere_in_what_was_read() {
        let result = rule("keeps its word", Some(0)).check(["poster: covenant", "keeps its word", "since 2026"]);
        assert!(result.matched);
        assert_eq!(substring_distance(&['a', 'b'], &[]), 2);
        assert!(!rule("", None).check(["anything"]).matched, "an empty rule never matches");
    }
}
