use anchor_lang::prelude::*;
use anchor_lang::system_program;

/// Tops `account` up to the rent-exempt minimum for `data_len` bytes, paid by `payer`. Used where
/// the runtime or another program does not fund rent itself: a vault PDA that must be able to pay
/// out, a Token-2022 mint that grows to hold its metadata.
pub(crate) fn top_up_to_rent_exempt<'info>(
    payer: &AccountInfo<'info>,
    account: &AccountInfo<'info>,
    system_program: &AccountInfo<'info>,
    data_len: usize,
) -> Result<()> {
    let shortfall = Rent::get()?.minimum_balance(data_len).saturating_sub(account.lamports());
    if shortfall > 0 {
        system_program::transfer(
            CpiContext::new(
                system_program.key(),
                system_program::Transfer { from: payer.clone(), to: account.clone() },
            ),
            shortfall,
        )?;
    }
    Ok(())
}
