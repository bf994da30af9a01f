// Claim codes, derived exactly as the keeper derives them (keeper/src/proofs/claim_code.rs): a
// claimant writes theirs by hand next to the poster when a bounty asks for codes, so a photo
// reused from another wallet shows the wrong one.
import { getAddressEncoder, type Address } from '@solana/kit';

/** No look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V, G. */
export const CLAIM_CODE_ALPHABET = 'ACEFHJKMNPRTWXY34679';
export const CLAIM_CODE_LENGTH = 6;
const DOMAIN = new TextEncoder().encode('covenant:claim-code:v1');

export async function claimCode(bounty: Address, claimant: Address): Promise<string> {
    const encoder = getAddressEncoder();
    const input = new Uint8Array([...DOMAIN, ...encoder.encode(bounty), ...encoder.encode(claimant)]);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', input));
    let rest = new DataView(digest.buffer).getBigUint64(0, true);
    const base = BigInt(CLAIM_CODE_ALPHABET.length);
    let code = '';
    for (let i = 0; i < CLAIM_CODE_LENGTH; i++) {
        code += CLAIM_CODE_ALPHABET[Number(rest % base)];
        rest /= base;
    }
    return code;
}
