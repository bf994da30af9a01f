//! Mints and token accounts for tests, on classic SPL Token or Token-2022, with or without the
//! extensions that treasury policies refuse.

use anchor_lang::prelude::Pubkey;
use anchor_spl::associated_token::get_associated_token_address_with_program_id;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_system_interface::instruction as system_instruction;
use spl_associated_token_account_interface::instruction::create_associated_token_account_idempotent;
use spl_token_2022_interface::extension::{self, ExtensionType};
use spl_token_2022_interface::instruction as token_instruction;
use spl_token_2022_interface::state::{Account as TokenAccount, Mint};

use crate::bank::TestBank;

pub const TOKEN: Pubkey = spl_token_interface::ID;
pub const TOKEN_2022: Pubkey = spl_token_2022_interface::ID;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MintExtension {
    TransferFee,
    PermanentDelegate,
    TransferHook,
    NonTransferable,
    Pausable,
    /// Harmless: lets tests show that extensions outside the refused list are accepted.
    MintCloseAuthority,
}

impl MintExtension {
    fn extension_type(self) -> ExtensionType {
        match self {
            Self::TransferFee => ExtensionType::TransferFeeConfig,
            Self::PermanentDelegate => ExtensionType::PermanentDelegate,
            Self::TransferHook => ExtensionType::TransferHook,
            Self::NonTransferable => ExtensionType::NonTransferable,
            Self::Pausable => ExtensionType::Pausable,
            Self::MintCloseAuthority => ExtensionType::MintCloseAuthority,
        }
    }

    fn init_instruction(
        self,
        mint: &Pubkey,
        authority: &Pubkey,
    ) -> anchor_lang::solana_program::instruction::Instruction {
        let program = &TOKEN_2022;
        match self {
            Self::TransferFee => extension::transfer_fee::instruction::initialize_transfer_fee_config(
                program,
                mint,
                Some(authority),
                Some(authority),
                100,
                1_000_000,
            ),
            Self::PermanentDelegate => token_instruction::initialize_permanent_delegate(program, mint, authority),
            Self::TransferHook => extension::transfer_hook::instruction::initialize(
                program,
                mint,
                Some(*authority),
                Some(Pubkey::new_unique()),
            ),
            Self::NonTransferable => token_instruction::initialize_non_transferable_mint(program, mint),
            Self::Pausable => extension::pausable::instruction::initialize(program, mint, authority),
            Self::MintCloseAuthority => {
                token_instruction::initialize_mint_close_authority(program, mint, Some(authority))
            }
        }
        .expect("extension instruction builds")
    }
}

/// Creates a mint whose mint authority is the bank's payer.
pub async fn create_mint(
    bank: &mut TestBank,
    token_program: Pubkey,
    decimals: u8,
    extensions: &[MintExtension],
) -> Pubkey {
    assert!(extensions.is_empty() || token_program == TOKEN_2022, "extensions need Token-2022");
    let mint = Keypair::new();
    let authority = bank.payer().pubkey();
    let types: Vec<ExtensionType> = extensions.iter().map(|e| e.extension_type()).collect();
    let space = ExtensionType::try_calculate_account_len::<Mint>(&types).expect("mint size");
    let lamports = bank.rent_exempt_minimum(space).await;
    let mut ixs =
        vec![system_instruction::create_account(&authority, &mint.pubkey(), lamports, space as u64, &token_program)];
    ixs.extend(extensions.iter().map(|e| e.init_instruction(&mint.pubkey(), &authority)));
    ixs.push(
        token_instruction::initialize_mint2(&token_program, &mint.pubkey(), &authority, None, decimals)
            .expect("initialize_mint2 builds"),
    );
    bank.send(&ixs, &[&mint]).await.expect("mint created");
    mint.pubkey()
}

/// A plain mint (no extensions) whose mint authority is `authority` (a program's PDA, say).
pub async fn create_mint_with_authority(
    bank: &mut TestBank,
    token_program: Pubkey,
    decimals: u8,
    authority: Pubkey,
) -> Pubkey {
    let mint = Keypair::new();
    let payer = bank.payer().pubkey();
    let space = ExtensionType::try_calculate_account_len::<Mint>(&[]).expect("mint size");
    let lamports = bank.rent_exempt_minimum(space).await;
    let ixs = [
        system_instruction::create_account(&payer, &mint.pubkey(), lamports, space as u64, &token_program),
        token_instruction::initialize_mint2(&token_program, &mint.pubkey(), &authority, None, decimals)
            .expect("initialize_mint2 builds"),
    ];
    bank.send(&ixs, &[&mint]).await.expect("mint created");
    mint.pubkey()
}

/// Creates (idempotently) `owner`'s associated token account and returns its address.
pub async fn create_ata(bank: &mut TestBank, owner: Pubkey, mint: Pubkey, token_program: Pubkey) -> Pubkey {
    let payer = bank.payer().pubkey();
    let ix = create_associated_token_account_idempotent(&payer, &owner, &mint, &token_program);
    bank.send(&[ix], &[]).await.expect("ata created");
    get_associated_token_address_with_program_id(&owner, &mint, &token_program)
}

pub async fn mint_to(bank: &mut TestBank, mint: Pubkey, token_program: Pubkey, destination: Pubkey, amount: u64) {
    let authority = bank.payer().pubkey();
    let ix = token_instruction::mint_to(&token_program, &mint, &destination, &authority, &[], amount)
        .expect("mint_to builds");
    bank.send(&[ix], &[]).await.expect("minted");
}

pub async fn token_balance(bank: &mut TestBank, token_account: Pubkey) -> u64 {
    let account = bank.raw_account(token_account).await.expect("token account exists");
    // The amount sits at the same offset in classic and Token-2022 accounts.
    u64::from_le_bytes(account.data[64..72].try_into().expect("8 bytes"))
}

/// A token account at a fresh address (not an associated token account) owned by `owner`.
pub async fn create_token_account(bank: &mut TestBank, owner: Pubkey, mint: Pubkey, token_program: Pubkey) -> Pubkey {
    let account = Keypair::new();
    let payer = bank.payer().pubkey();
    let extensions: &[ExtensionType] = if token_program == TOKEN_2022 { &[ExtensionType::ImmutableOwner] } else { &[] };
    let space = ExtensionType::try_calculate_account_len::<TokenAccount>(extensions).expect("account size");
    let lamports = bank.rent_exempt_minimum(space).await;
    let mut ixs =
        vec![system_instruction::create_account(&payer, &account.pubkey(), lamports, space as u64, &token_program)];
    if token_program == TOKEN_2022 {
        ixs.push(token_instruction::initialize_immutable_owner(&token_program, &account.pubkey()).expect("builds"));
    }
    ixs.push(token_instruction::initialize_account3(&token_program, &account.pubkey(), &mint, &owner).expect("builds"));
    bank.send(&ixs, &[&account]).await.expect("token account created");
    account.pubkey()
}

/// A Token-2022 mint as Token-2022 itself reads it, with its metadata extensions.
#[derive(Debug)]
pub struct MintView {
    pub owner: Pubkey,
    pub supply: u64,
    pub decimals: u8,
    pub mint_authority: Option<Pubkey>,
    pub freeze_authority: Option<Pubkey>,
    pub metadata_pointer_authority: Option<Pubkey>,
    pub metadata_pointer_address: Option<Pubkey>,
    pub metadata: spl_token_metadata_interface::state::TokenMetadata,
    pub lamports: u64,
    pub data_len: usize,
}

pub async fn read_mint_2022(bank: &mut TestBank, mint: Pubkey) -> MintView {
    use spl_token_2022_interface::extension::metadata_pointer::MetadataPointer;
    use spl_token_2022_interface::extension::{BaseStateWithExtensions, StateWithExtensions};
    use spl_token_metadata_interface::state::TokenMetadata;

    let account = bank.raw_account(mint).await.expect("mint exists");
    let state = StateWithExtensions::<Mint>::unpack(&account.data).expect("a Token-2022 mint");
    let pointer = state.get_extension::<MetadataPointer>().expect("metadata pointer extension");
    MintView {
        owner: account.owner,
        supply: state.base.supply,
        decimals: state.base.decimals,
        mint_authority: state.base.mint_authority.into(),
        freeze_authority: state.base.freeze_authority.into(),
        metadata_pointer_authority: pointer.authority.into(),
        metadata_pointer_address: pointer.metadata_address.into(),
        metadata: state.get_variable_len_extension::<TokenMetadata>().expect("token metadata extension"),
        lamports: account.lamports,
        data_len: account.data.len(),
    }
}
