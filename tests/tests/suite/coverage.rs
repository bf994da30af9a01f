//! Every error variant of the program is asserted by some test: a new variant without a test that
//! triggers it fails here.

fn error_variants() -> Vec<String> {
    let source = include_str!("../../../programs/covenant/src/errors.rs");
    let body = source.split("pub enum CovenantError {").nth(1).expect("enum body");
    body.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//") && !line.starts_with("#[") && line.ends_with(','))
        .map(|line| line.trim_end_matches(',').to_owned())
        .collect()
}

fn asserted_in_suites() -> String {
    // cargo runs integration tests from the package root; a compile-time path could point at another
    // checkout when the target dir is shared.
    let dir = std::env::current_dir().expect("cwd").join("tests/suite");
    let mut all = String::new();
    for entry in std::fs::read_dir(dir).expect("suite folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|ext| ext == "rs") && !path.ends_with("coverage.rs") {
            all.push_str(&std::fs::read_to_string(path).expect("readable suite file"));
        }
    }
    all
}

#[test]
fn every_error_variant_is_asserted_by_an_integration_test() {
    let variants = error_variants();
    assert!(variants.len() > 40, "parsed the error enum: {variants:?}");
    let suites = asserted_in_suites();
    let asserted = |variant: &str| {
        let needle = format!("CovenantError::{variant}");
        suites.match_indices(&needle).any(|(at, _)| {
            // A whole name, not a prefix of a longer variant.
            suites[at + needle.len()..].chars().next().is_some_and(|next| !next.is_alphanumeric())
        })
    };
    let untested: Vec<&String> = variants.iter().filter(|variant| !asserted(variant)).collect();
    assert!(untested.is_empty(), "error variants no integration test asserts: {untested:?}");
}
