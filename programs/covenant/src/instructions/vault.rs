//! Moving funds out of a treasury's vault, signed by the vault PDA. Every outflow goes through here.

use anchor_lang::prelude::*;
use anchor_lang::system_program;
use anchor_spl::token_interface::{self, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::errors::CovenantError;
use crate::state::Treasury;

/// Lamports the vault can pay out: it keeps the rent-exempt minimum of an empty account, without
/// which the runtime refuses any transfer that leaves it below rent.
pub fn vault_spendable_lamports(vault: &AccountInfo) -> Result<u64> {
    let rent_floor = Rent::get()?.minimum_balance(0);
    Ok(vault.lamports().saturating_sub(rent_floor))
}

pub fn pay_sol<'info>(
    treasury: &Account<'info, Treasury>,
    vault: &AccountInfo<'info>,
    recipient: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    amount: u64,
) -> Result<u64> {
    let spendable = vault_spendable_lamports(vault)?;
    require!(amount <= spendable, CovenantError::InsufficientFunds);
    let treasury_key = treasury.key();
    let seeds: &[&[u8]] = &[Treasury::VAULT_SEED, treasury_key.as_ref(), &[treasury.vault_bump]];
    system_program::transfer(
        CpiContext::new_with_signer(
            system_program.key(),
            system_program::Transfer { from: vault.clone(), to: recipient.clone() },
            &[seeds],
        ),
        amount,
    )?;
    vault_spendable_lamports(vault)
}

pub struct TokenPayment<'a, 'info> {
    pub treasury: &'a Account<'info, Treasury>,
    pub vault: &'a AccountInfo<'info>,
    pub mint: &'a InterfaceAccount<'info, Mint>,
    pub vault_token_account: &'a mut InterfaceAccount<'info, TokenAccount>,
    pub destination: &'a AccountInfo<'info>,
    pub token_program: &'a Interface<'info, TokenInterface>,
}

impl TokenPayment<'_, '_> {
    /// Pays `amount` from the vault's token account and returns the vault's balance after.
    pub fn pay(self, amount: u64) -> Result<u64> {
        require!(amount <= self.vault_token_account.amount, CovenantError::InsufficientFunds);
        let treasury_key = self.treasury.key();
        let seeds: &[&[u8]] = &[Treasury::VAULT_SEED, treasury_key.as_ref(), &[self.treasury.vault_bump]];
        token_interface::transfer_checked(
            CpiContext::new_with_signer(
                self.token_program.key(),
                TransferChecked {
                    from: self.vault_token_account.to_account_info(),
                    mint: self.mint.to_account_info(),
                    to: self.destination.clone(),
                    authority: self.vault.clone(),
                },
                &[seeds],
            ),
            amount,
            self.mint.decimals,
        )?;
        self.vault_token_account.reload()?;
        Ok(self.vault_token_account.amount)
    }
}
