//! Asserting that a transaction failed for exactly the expected reason.

use std::fmt::Debug;

use anchor_lang::error::ErrorCode;
use covenant::errors::CovenantError;
use solana_instruction_error::InstructionError;
use solana_transaction_error::TransactionError;

use crate::bank::TxFailure;

fn custom_code(failure: &TxFailure) -> Option<u32> {
    match failure.error {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(code),
        _ => None,
    }
}

#[track_caller]
pub fn assert_program_error<T: Debug>(result: Result<T, TxFailure>, expected: CovenantError) {
    let code = u32::from(expected);
    match result {
        Ok(value) => panic!("expected {expected:?} ({code}), but it succeeded: {value:?}"),
        Err(failure) => {
            assert_eq!(custom_code(&failure), Some(code), "expected {expected:?} ({code}), got {failure:?}")
        }
    }
}

/// For Anchor's own account-validation errors (wrong PDA seeds, wrong owner, missing signer...).
#[track_caller]
pub fn assert_anchor_error<T: Debug>(result: Result<T, TxFailure>, expected: ErrorCode) {
    let code = u32::from(expected);
    match result {
        Ok(value) => panic!("expected {expected:?} ({code}), but it succeeded: {value:?}"),
        Err(failure) => {
            assert_eq!(custom_code(&failure), Some(code), "expected {expected:?} ({code}), got {failure:?}")
        }
    }
}

/// For failures raised by the runtime or another program rather than Covenant.
#[track_caller]
pub fn assert_runtime_error<T: Debug>(result: Result<T, TxFailure>, expected: TransactionError) {
    match result {
        Ok(value) => panic!("expected {expected:?}, but it succeeded: {value:?}"),
        Err(failure) => assert_eq!(failure.error, expected, "{failure:?}"),
    }
}
