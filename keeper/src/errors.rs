//! Names for the program's error codes, read from the committed IDL (CI keeps it in step).

use std::collections::HashMap;
use std::sync::OnceLock;

const IDL: &str = include_str!("../../idl/covenant.json");

fn names() -> &'static HashMap<u32, String> {
    static NAMES: OnceLock<HashMap<u32, String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let idl: serde_json::Value = serde_json::from_str(IDL).unwrap_or_default();
        idl["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|error| Some((u32::try_from(error["code"].as_u64()?).ok()?, error["name"].as_str()?)))
                    .map(|(code, name)| (code, upper_camel(name)))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// The IDL spells names in lower camel case; the Rust enum (and our logs) in upper camel case.
fn upper_camel(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

pub fn covenant_error_name(code: u32) -> Option<&'static str> {
    names().get(&code).map(String::as_str)
}

/// The program error named in a failure's description (`describe`: "instruction 1: Name (6017)").
pub fn program_error_in(detail: &str) -> Option<&'static str> {
    let code = detail.rsplit_once('(')?.1.split_once(')')?.0;
    covenant_error_name(code.trim().parse().ok()?)
}

/// The program error a failed transaction carries, by name (`None` for other failures).
pub fn transaction_error_name(error: &solana_transaction_error::TransactionError) -> Option<&'static str> {
    match error {
        solana_transaction_error::TransactionError::InstructionError(
            _,
            solana_instruction_error::InstructionError::Custom(code),
        ) => covenant_error_name(*code),
        _ => None,
    }
}
