//! Which mints a treasury may hold under a policy. A transfer fee would make every figure the
//! policy keeps wrong; a permanent delegate can take the vault's tokens; a transfer hook runs
//! someone else's program on every spend. Those mints are refused.

use anchor_lang::prelude::*;
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{BaseStateWithExtensions, ExtensionType, StateWithExtensions},
};

use crate::errors::CovenantError;

pub fn check_mint_extensions(mint: &AccountInfo) -> Result<()> {
    if *mint.owner != spl_token_2022::ID {
        // Classic SPL Token mints have no extensions.
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<spl_token_2022::state::Mint>::unpack(&data)?;
    for extension in state.get_extension_types()? {
        match extension {
            ExtensionType::TransferFeeConfig => return err!(CovenantError::MintHasTransferFee),
            ExtensionType::PermanentDelegate => return err!(CovenantError::MintHasPermanentDelegate),
            ExtensionType::TransferHook => return err!(CovenantError::MintHasTransferHook),
            ExtensionType::NonTransferable | ExtensionType::Pausable => {
                return err!(CovenantError::UnsupportedMintExtension)
            }
            _ => {}
        }
    }
    Ok(())
}
