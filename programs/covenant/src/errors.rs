use anchor_lang::prelude::*;

/// Every way the program refuses. Codes are ABI (6000 + index): append only, never reorder.
#[error_code]
#[derive(PartialEq, Eq)]
pub enum CovenantError {
    // --- who signs ---
    #[msg("Signer is not this treasury's operator")]
    NotOperator,
    #[msg("Signer is not this treasury's keeper")]
    NotKeeper,
    #[msg("Signer is neither this treasury's guardian nor its operator")]
    NotGuardianOrOperator,
    #[msg("The keeper must be a key other than the operator and the default key")]
    InvalidKeeper,
    #[msg("The guardian must not be the keeper or the default key")]
    InvalidGuardian,
    // --- pause ---
    #[msg("Treasury is paused: nothing may leave it until the operator unpauses")]
    TreasuryPaused,
    #[msg("Treasury is already paused")]
    AlreadyPaused,
    #[msg("Treasury is not paused")]
    NotPaused,
    // --- amounts and limits ---
    #[msg("Amount must be greater than zero")]
    ZeroAmount,
    #[msg("Amount exceeds the policy's per-transaction maximum")]
    ExceedsPerTxMax,
    #[msg("Amount would exceed the policy's cap for the current period")]
    ExceedsPeriodCap,
    #[msg("Amount is above the co-sign threshold: propose a pending spend instead")]
    CosignRequired,
    #[msg("Vault balance is too low for this amount")]
    InsufficientFunds,
    #[msg("Arithmetic overflow")]
    MathOverflow,
    #[msg("Policy limits are inconsistent: need 0 < per_tx_max <= period_cap, 0 < period, threshold <= per_tx_max, timelock within bounds")]
    InvalidPolicyLimits,
    // --- payees ---
    #[msg("Recipient is not on this treasury's payee allowlist")]
    PayeeNotAllowlisted,
    #[msg("Payee entry has expired")]
    PayeeExpired,
    #[msg("Payment would exceed the payee's budget")]
    PayeeBudgetExceeded,
    #[msg("Payee's budget is in another asset")]
    PayeeAssetMismatch,
    #[msg("Payee account is not this treasury's entry for the recipient")]
    PayeeAccountMismatch,
    #[msg("Payee label must be 1..=32 bytes")]
    InvalidPayeeLabel,
    #[msg("Payee category must be 1..=16 characters of a-z, 0-9, '-' or '_'")]
    InvalidPayeeCategory,
    #[msg("Expiry must be in the future")]
    InvalidExpiry,
    #[msg("Recipient may not be the treasury's own vault")]
    InvalidRecipient,
    // --- accounts are what they claim to be ---
    #[msg("Account belongs to another treasury")]
    TreasuryMismatch,
    #[msg("Spend policy is for another asset")]
    PolicyAssetMismatch,
    #[msg("Token account holds another mint")]
    MintMismatch,
    #[msg("Token program does not own this mint or differs from the policy's")]
    TokenProgramMismatch,
    #[msg("Token account is not the vault's associated token account for this mint")]
    VaultTokenAccountMismatch,
    #[msg("Token account is not owned by the recipient")]
    RecipientMismatch,
    #[msg("Mint has a transfer-fee extension: treasury policies refuse it")]
    MintHasTransferFee,
    #[msg("Mint has a permanent-delegate extension: treasury policies refuse it")]
    MintHasPermanentDelegate,
    #[msg("Mint has a transfer-hook extension: treasury policies refuse it")]
    MintHasTransferHook,
    #[msg("Mint carries an extension treasury policies refuse (non-transferable or pausable)")]
    UnsupportedMintExtension,
    #[msg("Memo must be at most 64 bytes")]
    MemoTooLong,
    // --- pending spends (co-signed large spends) ---
    #[msg("Amount is at or below the co-sign threshold (or the policy has none): spend it directly")]
    BelowCosignThreshold,
    #[msg("The pending spend's timelock has not elapsed and the operator has not approved it")]
    TimelockActive,
    #[msg("The pending spend was not executed within its grace period")]
    PendingSpendExpired,
    #[msg("The pending spend was already executed or cancelled")]
    PendingSpendNotActive,
    #[msg("Only executed, cancelled or expired pending spends can be closed")]
    PendingSpendStillActive,
    #[msg("Purpose must be 1..=64 bytes")]
    InvalidPurpose,
    #[msg("The pending spend is already approved")]
    AlreadyApproved,
    #[msg("Rent must return to the account that paid it")]
    RentRecipientMismatch,
    // --- meme token ---
    #[msg("Token name must be 1..=32 bytes, symbol 1..=10 bytes, URI at most 200 bytes, decimals at most 9")]
    InvalidTokenMetadata,
    #[msg("Mint limits are inconsistent: need 0 < period_cap <= supply_cap and 0 < period within bounds")]
    InvalidMintLimits,
    #[msg("Minting would take the token past its hard supply cap")]
    SupplyCapExceeded,
    #[msg("Amount would exceed the token's mint cap for the current period")]
    MintPeriodCapExceeded,
    #[msg("The token's mint authority was renounced: nothing can mint it any more")]
    MintRenounced,
    #[msg(
        "Initial allocation is malformed: one (wallet, associated token account) pair per non-zero amount, at most 8"
    )]
    InvalidAllocation,
    #[msg("A token asset needs its mint, both token accounts and the token program")]
    TokenAccountsRequired,
    // --- bounties and claims ---
    #[msg("Signer is neither this treasury's keeper nor its operator")]
    NotKeeperOrOperator,
    #[msg("The policy requires allowlisted payees: only the operator may open a bounty to anyone")]
    BountyNeedsOperator,
    #[msg("Bounty terms are inconsistent: need reward > 0, 1..=10000 claims, a deadline within a year, description at most 96 bytes")]
    InvalidBountyTerms,
    #[msg("Proof URI must be 1..=128 bytes")]
    InvalidProof,
    #[msg("The bounty's deadline has passed")]
    BountyDeadlinePassed,
    #[msg("The bounty has paid all its claims")]
    BountyFull,
    #[msg("This wallet already claimed this bounty")]
    ClaimAlreadySubmitted,
    #[msg("The claim was already approved or rejected")]
    ClaimNotPending,
    #[msg(
        "The bounty is still open: the deadline (or, for anyone but the operator, the review period) has not passed"
    )]
    BountyStillOpen,
    #[msg("Claims can be closed only once their bounty is closed")]
    BountyNotClosed,
    #[msg("Token account is not the bounty's escrow (its associated token account for this mint)")]
    EscrowAccountMismatch,
    #[msg("Claim belongs to another bounty")]
    ClaimMismatch,
    // --- grants ---
    #[msg("Grant schedule is malformed: linear needs start < end; tranches need 1..=8 strictly increasing times with shares > 0 summing to 10000 bps")]
    InvalidGrantSchedule,
    #[msg("Grant terms are inconsistent: need an amount > 0, expiry in the future, at most 4 distinct payees, a per-tx cap > 0 only with payees")]
    InvalidGrantTerms,
    #[msg("Signer is not this grant's donor")]
    NotDonor,
    #[msg("The grant has expired: only the donor's clawback remains")]
    GrantExpired,
    #[msg("The grant has not expired yet: nothing can be clawed back")]
    GrantNotExpired,
    #[msg("Nothing is due: no vested funds to release, or nothing left to claw back")]
    NothingDue,
    #[msg("The grant may only pay its named payees: it never releases to the vault")]
    GrantRestricted,
    #[msg("The grant names no payees: release it to the vault instead")]
    GrantNotRestricted,
    #[msg("Recipient is not one of the grant's payees")]
    GrantPayeeNotAllowed,
    #[msg("Amount exceeds the grant's per-transaction cap")]
    GrantPerTxCapExceeded,
    #[msg("Amount exceeds what the grant has vested and not yet paid")]
    ExceedsVested,
    #[msg("The grant still holds funds: release, spend or claw them back first")]
    GrantNotEmpty,
    // --- creation and queued config changes ---
    #[msg("The account already exists")]
    AccountAlreadyExists,
    #[msg("Config timelock must be at most 30 days")]
    InvalidConfigTimelock,
    #[msg("This change loosens the treasury's rules: queue it (queue_config_change) and execute it after the config timelock")]
    ConfigTimelockRequired,
    #[msg("The queued config change's timelock has not elapsed")]
    ConfigTimelockActive,
    #[msg("The queued config change is not this treasury's request for exactly this change")]
    ConfigChangeMismatch,
    // --- exactly-once keeper actions ---
    #[msg("This action was already done for this treasury: its marker is at or past this sequence")]
    ActionAlreadyMarked,
    #[msg("An action's sequence starts at 1")]
    InvalidActionSequence,
    // --- what each key can do at worst ---
    #[msg("The queued change was made against a state that has changed since (another pause, keeper, guardian, timelock, limits or terms): queue it again")]
    ConfigChangeStale,
    #[msg("The queued change was not executed within 7 days of maturing: cancel it and queue it again")]
    ConfigChangeExpired,
    #[msg(
        "A guardian override can only lift a pause or replace or remove the guardian, and needs a guardian to override"
    )]
    InvalidGuardianOverride,
    #[msg("A guardian override can be cancelled only by the operator")]
    GuardianCannotCancelOverride,
    #[msg("The pending spend belongs to a rotated-out keeper (the operator must approve it) or to a closed policy")]
    PendingSpendStale,
    #[msg("Recipient is an account of this program: funds sent there would be counted as spent and lost")]
    ProgramOwnedRecipient,
    // --- one photo pays once ---
    #[msg("This proof (its hash) was already claimed on this bounty, by this or another wallet")]
    ProofAlreadyClaimed,
    // --- disputes ---
    #[msg("Dispute terms are inconsistent: a challenge window of 1 s to 30 days needs a bond > 0 and an arbiter (given, or the guardian) who is not the keeper; no window, no bond")]
    InvalidDisputeTerms,
    #[msg("This bounty takes no disputes (its challenge window is 0)")]
    DisputesNotEnabled,
    #[msg("Only an approved (unpaid) or a rejected claim can be disputed")]
    NothingToDispute,
    #[msg("The challenge window of this decision has closed")]
    ChallengeWindowClosed,
    #[msg("This claim was disputed already: one dispute per claim")]
    DisputeAlreadyOpened,
    #[msg("The bond posted is not the bounty's bond")]
    WrongBond,
    #[msg("Only the claimant can appeal a rejection")]
    NotClaimant,
    #[msg("Only the bounty's arbiter can rule on its disputes")]
    NotArbiter,
    #[msg("The arbiter's ruling period is over: the default applies (lapse_dispute)")]
    RulingPeriodOver,
    #[msg("The arbiter can still rule: a dispute lapses only after its ruling deadline")]
    RulingPeriodActive,
    #[msg(
        "The claim is not payable: not approved, paid already, under dispute, or its challenge window is still open"
    )]
    ClaimNotPayable,
    #[msg("The bounty still owes approved claims, has an open dispute, or a decision can still be disputed")]
    BountyUnsettled,
    #[msg("A records URI is an http(s) or ipfs base URL of at most 200 printable bytes, without a trailing slash")]
    InvalidRecordsUri,
    // --- dollars and swaps ---
    #[msg("USD limits are inconsistent: per-tx max > 0 and at most the period cap, a period of 1 s to 366 days")]
    InvalidUsdLimits,
    #[msg("A price feed needs a non-zero feed id, a max age of 1 s to 1 h, confidence of at most 10% and EMA deviation of at most 20% (and at most 8 feeds)")]
    InvalidPriceFeed,
    #[msg("A swap venue is a program other than this one, the system, token and ATA programs, allowing 1 to 1,000 bps of slippage (at most 4 venues)")]
    InvalidSwapVenue,
    #[msg("This treasury has USD caps: pass its USD policy (writable) and the asset's price update after the instruction's accounts")]
    UsdPolicyMismatch,
    #[msg("No price feed is set for this asset: its USD headroom is zero")]
    PriceFeedNotSet,
    #[msg("The price account is not a price update owned by the Pyth receiver program")]
    PriceAccountInvalid,
    #[msg("The price update is for another feed than the one pinned for this asset")]
    PriceFeedMismatch,
    #[msg("The price update is only partially verified")]
    PriceNotFullyVerified,
    #[msg("The price update is older than the feed allows")]
    PriceStale,
    #[msg("The price or its EMA is not positive")]
    PriceNotPositive,
    #[msg("The price's confidence interval is wider than the feed allows")]
    PriceTooUncertain,
    #[msg("The spot price is farther from its EMA than the feed allows")]
    PriceOffEma,
    #[msg("Worth more in USD than the per-transaction USD maximum")]
    ExceedsUsdPerTxMax,
    #[msg("Would exceed the USD cap of the current period")]
    ExceedsUsdPeriodCap,
    #[msg("The swap program is not one of the treasury's allowlisted venues")]
    SwapProgramNotAllowed,
    #[msg("A swap must sell one asset for another, spend something, and pass no other vault token account")]
    InvalidSwap,
    #[msg("The swap took more than amount_in from the vault")]
    SwapOverspent,
    #[msg("The swap returned less than the oracle minimum")]
    SwapOutputBelowMinimum,
    #[msg("The swap changed the vault or its token accounts beyond their balances (owner, delegate, lamports)")]
    SwapTamperedVault,
}
