//! Names for error codes, read from the committed IDL (which CI keeps in step with the program).

use std::collections::HashMap;
use std::sync::OnceLock;

use anchor_lang::error::ERROR_CODE_OFFSET;
use solana_instruction_error::InstructionError;
use solana_transaction_error::TransactionError;

const IDL: &str = include_str!("../../idl/covenant.json");

fn program_errors() -> &'static HashMap<u32, String> {
    static ERRORS: OnceLock<HashMap<u32, String>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let idl: serde_json::Value = serde_json::from_str(IDL).expect("committed IDL is JSON");
        idl["errors"]
            .as_array()
            .expect("IDL lists errors")
            .iter()
            .map(|error| {
                let code = error["code"].as_u64().expect("error code") as u32;
                let name = error["name"].as_str().expect("error name");
                (code, name.to_owned())
            })
            .collect()
    })
}

/// A short description of why a transaction failed: the program's error name when it is one.
pub fn describe(error: &TransactionError) -> String {
    match error {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) if *code >= ERROR_CODE_OFFSET => {
            program_errors().get(code).cloned().unwrap_or_else(|| format!("custom error {code}"))
        }
        other => format!("{other:?}"),
    }
}
