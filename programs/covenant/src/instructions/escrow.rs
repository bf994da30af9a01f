//! Escrows held by a program account (a bounty, a grant): SOL as lamports above the account's rent,
//! tokens in the account's associated token account, paid out signed by the account's PDA.

use anchor_lang::prelude::*;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use anchor_spl::token_interface::{self, CloseAccount, Mint, TokenAccount, TokenInterface, TransferChecked};

use crate::constants::SOL_ASSET;
use crate::errors::CovenantError;

/// What an escrow holds and who holds it: the asset (`SOL_ASSET` or a mint), its token program and
/// the escrow account's own address (the authority of its token account).
pub(crate) struct EscrowTerms {
    pub asset: Pubkey,
    pub token_program: Pubkey,
    pub holder: Pubkey,
}

/// The token accounts of one payment out of (or into) a token escrow.
pub(crate) struct EscrowLeg<'a, 'info> {
    mint: &'a InterfaceAccount<'info, Mint>,
    escrow: &'a InterfaceAccount<'info, TokenAccount>,
    counterparty: &'a InterfaceAccount<'info, TokenAccount>,
    token_program: &'a Interface<'info, TokenInterface>,
}

/// The optional token accounts an escrow instruction takes: the mint, the escrow's token account,
/// the other side of the payment, and the token program. All `None` for a SOL escrow.
pub(crate) struct EscrowTokenAccounts<'a, 'info> {
    pub mint: Option<&'a InterfaceAccount<'info, Mint>>,
    pub escrow: Option<&'a InterfaceAccount<'info, TokenAccount>>,
    pub counterparty: Option<&'a InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Option<&'a Interface<'info, TokenInterface>>,
}

impl<'a, 'info> EscrowTokenAccounts<'a, 'info> {
    /// `None` for a SOL escrow; for a token escrow, its accounts once each is checked to be what it
    /// claims: the escrow's mint and token program, its associated token account, and a
    /// counterparty account of the same mint owned by `owner`.
    pub fn leg(self, terms: &EscrowTerms, owner: &Pubkey) -> Result<Option<EscrowLeg<'a, 'info>>> {
        if terms.asset == SOL_ASSET {
            return Ok(None);
        }
        let (Some(mint), Some(escrow), Some(counterparty), Some(token_program)) =
            (self.mint, self.escrow, self.counterparty, self.token_program)
        else {
            return err!(CovenantError::TokenAccountsRequired);
        };
        require_keys_eq!(mint.key(), terms.asset, CovenantError::MintMismatch);
        require_keys_eq!(token_program.key(), terms.token_program, CovenantError::TokenProgramMismatch);
        let expected = get_associated_token_address_with_program_id(&terms.holder, &mint.key(), &token_program.key());
        require_keys_eq!(escrow.key(), expected, CovenantError::EscrowAccountMismatch);
        require_keys_eq!(counterparty.mint, mint.key(), CovenantError::MintMismatch);
        require_keys_eq!(counterparty.owner, *owner, CovenantError::RecipientMismatch);
        Ok(Some(EscrowLeg { mint, escrow, counterparty, token_program }))
    }
}

impl<'info> EscrowLeg<'_, 'info> {
    /// Moves `amount` from the escrow to the counterparty, signed by the escrow's holder PDA.
    pub fn pay_out(&self, holder: AccountInfo<'info>, signer: &[&[&[u8]]], amount: u64) -> Result<()> {
        self.transfer(self.escrow.to_account_info(), self.counterparty.to_account_info(), holder, signer, amount)
    }

    /// Moves `amount` from the counterparty (who signs) into the escrow.
    pub fn pay_in(&self, owner: AccountInfo<'info>, amount: u64) -> Result<()> {
        self.transfer(self.counterparty.to_account_info(), self.escrow.to_account_info(), owner, &[], amount)
    }

    /// What the escrow token account holds right now.
    pub fn held(&self) -> u64 {
        self.escrow.amount
    }

    /// The escrow token account's rent-exempt minimum: what its payer put in and gets back.
    pub fn rent(&self) -> Result<u64> {
        Ok(Rent::get()?.minimum_balance(self.escrow.to_account_info().data_len()))
    }

    /// Closes the (empty) escrow token account; its rent goes to `destination`.
    pub fn close(
        &self,
        holder: AccountInfo<'info>,
        destination: AccountInfo<'info>,
        signer: &[&[&[u8]]],
    ) -> Result<()> {
        token_interface::close_account(CpiContext::new_with_signer(
            self.token_program.key(),
            CloseAccount { account: self.escrow.to_account_info(), destination, authority: holder },
            signer,
        ))
    }

    fn transfer(
        &self,
        from: AccountInfo<'info>,
        to: AccountInfo<'info>,
        authority: AccountInfo<'info>,
        signer: &[&[&[u8]]],
        amount: u64,
    ) -> Result<()> {
        token_interface::transfer_checked(
            CpiContext::new_with_signer(
                self.token_program.key(),
                TransferChecked { from, mint: self.mint.to_account_info(), to, authority },
                signer,
            ),
            amount,
            self.mint.decimals,
        )
    }
}

/// What an escrow holds beyond the `owed` its ledger accounts for (tokens or lamports someone sent
/// it from outside the program), or `InsufficientFunds` if it holds less than the ledger says.
pub(crate) fn escrow_surplus(held: u64, owed: u64) -> Result<u64> {
    Ok(held.checked_sub(owed).ok_or(CovenantError::InsufficientFunds)?)
}

/// Lamports a program-owned SOL escrow holds above its own rent-exempt minimum.
pub(crate) fn sol_escrow_held(holder: &AccountInfo) -> Result<u64> {
    let rent = Rent::get()?.minimum_balance(holder.data_len());
    Ok(holder.lamports().saturating_sub(rent))
}

/// Moves what the program-owned `account` holds above `keep` lamports to `to`: lamports sent to it
/// from outside, which belong in the vault rather than with whoever receives the rent at close.
/// Called after the instruction's CPIs, and before Anchor's `close` hands the rest to the payer.
pub(crate) fn sweep_lamports(account: &AccountInfo, to: &AccountInfo, keep: u64) -> Result<u64> {
    let surplus = account.lamports().saturating_sub(keep);
    if surplus > 0 {
        account.sub_lamports(surplus)?;
        to.add_lamports(surplus)?;
    }
    Ok(surplus)
}

/// Closes a token escrow's token account into its holder (the bounty or grant record), so that
/// every lamport beyond the two accounts' rents can be swept to `vault`; returns that surplus. The
/// holder's `close` then returns exactly the two rents to whoever paid them.
pub(crate) fn close_token_escrow<'info>(
    leg: &EscrowLeg<'_, 'info>,
    holder: &AccountInfo<'info>,
    vault: &AccountInfo<'info>,
    signer: &[&[&[u8]]],
) -> Result<u64> {
    let escrow_rent = leg.rent()?;
    leg.close(holder.clone(), holder.clone(), signer)?;
    let holder_rent = Rent::get()?.minimum_balance(holder.data_len());
    sweep_lamports(holder, vault, holder_rent.checked_add(escrow_rent).ok_or(CovenantError::MathOverflow)?)
}

/// Pays `amount` of a SOL escrow (lamports the program-owned `holder` keeps above its rent).
pub(crate) fn pay_sol_from_escrow(holder: &AccountInfo, to: &AccountInfo, amount: u64) -> Result<()> {
    holder.sub_lamports(amount)?;
    to.add_lamports(amount)?;
    Ok(())
}
