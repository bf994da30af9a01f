// The claim code matches the keeper's derivation (the same vector as keeper/src/proofs/claim_code.rs).
import assert from 'node:assert/strict';
import test from 'node:test';

import { getAddressDecoder } from '@solana/kit';

import { CLAIM_CODE_ALPHABET, claimCode } from '../src';

const address = (byte: number) => getAddressDecoder().decode(new Uint8Array(32).fill(byte));

test('claim codes are the keeper’s, legible and per wallet', async () => {
    const code = await claimCode(address(1), address(2));
    assert.equal(code, 'TX9TA7');
    assert.ok([...code].every((c) => CLAIM_CODE_ALPHABET.includes(c)));
    assert.notEqual(await claimCode(address(1), address(3)), code);
});
