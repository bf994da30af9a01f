//! Creating accounts at addresses anyone can compute in advance, whether or not someone sent the
//! address lamports first.
//!
//! Anchor 1.2's `init` answers a pre-funded address with the system program's
//! `CreateAccountAllowPrefund` (SIMD-0312), which runtimes without that feature refuse: one 0.001
//! SOL transfer to the next pending-spend or bounty address would block that account for good.
//! Transfer, allocate and assign (what the associated-token-account program has always done) works
//! on every runtime. Lamports found above the rent-exempt minimum go straight back to the payer,
//! who is also whoever receives the rent when the account closes, so a created account holds
//! exactly its rent and no balance check or escrow ledger ever sees the stranger's lamports.

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};
use anchor_lang::Discriminator;

use crate::errors::CovenantError;

/// Who pays for a new account, and the system program that creates it.
pub(crate) struct Funding<'a, 'info> {
    pub payer: &'a AccountInfo<'info>,
    pub system_program: &'a AccountInfo<'info>,
}

impl<'info> Funding<'_, 'info> {
    /// Creates `target` with `space` bytes owned by `owner`, rent-exempt. `signer_seeds` are the
    /// target's PDA seeds (bump included), or empty when the target signs the transaction itself.
    pub fn create(
        &self,
        target: &AccountInfo<'info>,
        space: usize,
        owner: &Pubkey,
        signer_seeds: &[&[u8]],
    ) -> Result<()> {
        let fresh = target.owner == &system_program::ID && target.data_is_empty();
        require!(fresh, CovenantError::AccountAlreadyExists);
        let signers: &[&[&[u8]]] = if signer_seeds.is_empty() { &[] } else { &[signer_seeds] };
        let rent = Rent::get()?.minimum_balance(space);
        let found = target.lamports();
        if found == 0 {
            return system_program::create_account(
                self.cpi(CreateAccount { from: self.payer.clone(), to: target.clone() }).with_signer(signers),
                rent,
                space as u64,
                owner,
            );
        }
        if found < rent {
            system_program::transfer(
                self.cpi(Transfer { from: self.payer.clone(), to: target.clone() }),
                rent - found,
            )?;
        } else if found > rent {
            // Still a plain system account, so the system program moves the surplus (see the
            // module note) signed by the target itself, as on every runtime.
            let refund = Transfer { from: target.clone(), to: self.payer.clone() };
            system_program::transfer(self.cpi(refund).with_signer(signers), found - rent)?;
        }
        system_program::allocate(
            self.cpi(Allocate { account_to_allocate: target.clone() }).with_signer(signers),
            space as u64,
        )?;
        system_program::assign(self.cpi(Assign { account_to_assign: target.clone() }).with_signer(signers), owner)?;
        Ok(())
    }

    /// Creates the program account `target` for `value` at its PDA and writes it (discriminator
    /// and Borsh), sized by the type's `INIT_SPACE`.
    pub fn init<T>(&self, target: &AccountInfo<'info>, signer_seeds: &[&[u8]], value: &T) -> Result<()>
    where
        T: AccountSerialize + Discriminator + Space,
    {
        self.create(target, T::DISCRIMINATOR.len() + T::INIT_SPACE, &crate::ID, signer_seeds)?;
        write_account(target, value)
    }

    fn cpi<T: ToAccountMetas + ToAccountInfos<'info>>(&self, accounts: T) -> CpiContext<'_, '_, '_, 'info, T> {
        CpiContext::new(self.system_program.key(), accounts)
    }
}

/// True once this program has created the account (an address only pre-funded is not).
pub(crate) fn is_program_account(account: &AccountInfo) -> bool {
    account.owner == &crate::ID
}

/// Writes a program account's discriminator and Borsh data in place.
pub(crate) fn write_account<T: AccountSerialize>(target: &AccountInfo, value: &T) -> Result<()> {
    let mut data = target.try_borrow_mut_data()?;
    let mut writer: &mut [u8] = &mut data;
    value.try_serialize(&mut writer)
}
