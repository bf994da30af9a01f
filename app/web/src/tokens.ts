// Token accounts the donor's transactions need: a mint's program and decimals read from the chain,
// associated token addresses, and the ATA program's idempotent create (so a first donation or a
// token grant's escrow needs no separate setup transaction).
import {
    AccountRole,
    address,
    getAddressEncoder,
    getBase64Encoder,
    getProgramDerivedAddress,
    type Address,
    type Instruction,
} from '@solana/kit';

import type { CovenantRpc } from './rpc';

export const TOKEN_PROGRAM = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
export const TOKEN_2022_PROGRAM = address('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');
export const ASSOCIATED_TOKEN_PROGRAM = address('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');
const SYSTEM_PROGRAM = address('11111111111111111111111111111111');
/** `Mint.decimals` in the base layout shared by SPL Token and Token-2022. */
const DECIMALS_OFFSET = 44;

export type MintInfo = { mint: Address; tokenProgram: Address; decimals: number };

export async function mintInfo(rpc: CovenantRpc, mint: Address): Promise<MintInfo> {
    const { value } = await rpc.getAccountInfo(mint, { encoding: 'base64' }).send();
    if (!value) throw new Error(`no mint at ${mint} on this cluster`);
    if (value.owner !== TOKEN_PROGRAM && value.owner !== TOKEN_2022_PROGRAM) {
        throw new Error(`${mint} is not a token mint (owned by ${value.owner})`);
    }
    const data = getBase64Encoder().encode(value.data[0]);
    if (data.length <= DECIMALS_OFFSET) throw new Error(`${mint} is not a token mint (too short)`);
    return { mint, tokenProgram: value.owner, decimals: data[DECIMALS_OFFSET] };
}

export async function associatedTokenAddress(owner: Address, { mint, tokenProgram }: MintInfo): Promise<Address> {
    const encoder = getAddressEncoder();
    const [ata] = await getProgramDerivedAddress({
        programAddress: ASSOCIATED_TOKEN_PROGRAM,
        seeds: [encoder.encode(owner), encoder.encode(tokenProgram), encoder.encode(mint)],
    });
    return ata;
}

/** The ATA program's `CreateIdempotent` (instruction 1): a no-op when the account exists. */
export function createAssociatedTokenAccountIdempotent(
    payer: Address,
    ata: Address,
    owner: Address,
    { mint, tokenProgram }: MintInfo,
): Instruction {
    return {
        programAddress: ASSOCIATED_TOKEN_PROGRAM,
        accounts: [
            { address: payer, role: AccountRole.WRITABLE_SIGNER },
            { address: ata, role: AccountRole.WRITABLE },
            { address: owner, role: AccountRole.READONLY },
            { address: mint, role: AccountRole.READONLY },
            { address: SYSTEM_PROGRAM, role: AccountRole.READONLY },
            { address: tokenProgram, role: AccountRole.READONLY },
        ],
        data: new Uint8Array([1]),
    };
}
