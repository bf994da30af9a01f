// The donor app in a real browser (Debian's Chromium, headless, driven by playwright-core) against
// a running validator: the keeper binary creates a treasury, a test-only Wallet Standard wallet
// (an in-page key funded from the faucet) donates 1 SOL, the vault balance and the activity feed
// show it, a program refusal shows its IDL name, and a screenshot is written for the README.
// Env: COVENANT_LOCALNET_URL, COVENANT_LOCALNET_FAUCET (keypair file), COVENANT_KEEPER (binary),
// COVENANT_APP_URL (the served bundle), COVENANT_SCREENSHOT (where to write it).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
    address,
    appendTransactionMessageInstruction,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createTransactionMessage,
    getBase58Decoder,
    getBase64EncodedWireTransaction,
    pipe,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
} from '@solana/kit';
import { chromium } from 'playwright-core';

const rpcUrl = process.env.COVENANT_LOCALNET_URL ?? 'http://127.0.0.1:8899';
const appUrl = process.env.COVENANT_APP_URL ?? 'http://127.0.0.1:4173';
const keeperBin = process.env.COVENANT_KEEPER;
const rpc = createSolanaRpc(rpcUrl);
const faucet = await createKeyPairSignerFromBytes(new Uint8Array(JSON.parse(readFileSync(process.env.COVENANT_LOCALNET_FAUCET, 'utf8'))));

/** A 32-byte seed as an Ed25519 key: its PKCS#8 form (what WebCrypto imports) and its address. */
function keyFromSeed(seed) {
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const publicKey = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }))
        .export({ format: 'der', type: 'spki' })
        .subarray(-32);
    return { pkcs8: pkcs8.toString('base64'), address: getBase58Decoder().decode(publicKey), publicKey };
}

async function transfer(to, lamports) {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setUint32(0, 2, true);
    new DataView(data.buffer).setBigUint64(4, lamports, true);
    const instruction = {
        programAddress: address('11111111111111111111111111111111'),
        accounts: [
            { address: faucet.address, role: 3, signer: faucet },
            { address: address(to), role: 1 },
        ],
        data,
    };
    const { value: blockhash } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(faucet, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
        (m) => appendTransactionMessageInstruction(instruction, m),
    );
    const signed = await signTransactionMessageWithSigners(message);
    const signature = await rpc.sendTransaction(getBase64EncodedWireTransaction(signed), { encoding: 'base64' }).send();
    for (let i = 0; i < 100; i++) {
        const { value } = await rpc.getSignatureStatuses([signature]).send();
        if (value[0]?.confirmationStatus === 'confirmed' || value[0]?.confirmationStatus === 'finalized') return;
        await new Promise((resolve) => setTimeout(resolve, 300));
    }
    throw new Error(`transfer to ${to} not confirmed`);
}

// The keeper binary creates the treasury, as an operator would.
const dir = mkdtempSync(join(tmpdir(), 'covenant-browser-'));
const operatorSeed = randomBytes(32);
const keeperSeed = randomBytes(32);
const keypairFile = (seed, name) => {
    const key = keyFromSeed(seed);
    writeFileSync(join(dir, name), JSON.stringify([...seed, ...key.publicKey]));
    return key;
};
const operator = keypairFile(operatorSeed, 'operator.json');
keypairFile(keeperSeed, 'keeper.json');
await transfer(operator.address, 5_000_000_000n);
writeFileSync(
    join(dir, 'keeper.toml'),
    `[cluster]\nurl = "${rpcUrl}"\n[keys]\nkeeper = "keeper.json"\noperator = "operator.json"\n[treasury]\nid = 7\n` +
        `[[policy]]\nasset = "SOL"\nper_tx_max = "1 SOL"\nperiod_seconds = 86_400\nperiod_cap = "2 SOL"\n`,
);
execFileSync(keeperBin, ['--config', join(dir, 'keeper.toml'), 'init'], { stdio: 'inherit' });
const status = JSON.parse(execFileSync(keeperBin, ['--config', join(dir, 'keeper.toml'), '--output', 'json', 'status']).toString());
const treasury = status.treasury;
assert.ok(treasury, `status names the treasury: ${JSON.stringify(status).slice(0, 200)}`);

const donor = keyFromSeed(randomBytes(32));
await transfer(donor.address, 3_000_000_000n);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    page.on('pageerror', (error) => console.error('page error:', error.message));
    await page.addInitScript(({ pkcs8, account }) => {
        // A test-only Wallet Standard wallet: an in-page key, `standard:connect` and `solana:signTransaction`.
        const keyPromise = crypto.subtle.importKey('pkcs8', Uint8Array.from(atob(pkcs8), (c) => c.charCodeAt(0)), { name: 'Ed25519' }, false, ['sign']);
        const walletAccount = { address: account.address, publicKey: new Uint8Array(account.publicKey), chains: ['solana:localnet'], features: ['solana:signTransaction'] };
        const wallet = {
            version: '1.0.0',
            name: 'Covenant test wallet',
            icon: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=',
            chains: ['solana:localnet'],
            accounts: [walletAccount],
            features: {
                'standard:connect': { version: '1.0.0', connect: async () => ({ accounts: [walletAccount] }) },
                'standard:events': { version: '1.0.0', on: () => () => {} },
                'solana:signTransaction': {
                    version: '1.0.0',
                    supportedTransactionVersions: ['legacy', 0],
                    signTransaction: async (...inputs) =>
                        Promise.all(
                            inputs.map(async ({ transaction }) => {
                                if (window.__refuseSignature) throw new Error('User rejected the request.');
                                // One signature slot (the donor pays the fee): [1][64-byte signature][message].
                                const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', await keyPromise, transaction.slice(65)));
                                const signed = transaction.slice();
                                signed.set(signature, 1);
                                return { signedTransaction: signed };
                            }),
                        ),
                },
            },
        };
        const callback = ({ register }) => register(wallet);
        window.addEventListener('wallet-standard:app-ready', (event) => callback(event.detail));
        window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: callback }));
    }, { pkcs8: donor.pkcs8, account: { address: donor.address, publicKey: [...donor.publicKey] } });

    await page.goto(`${appUrl}/?treasury=${treasury}&rpc=${encodeURIComponent(rpcUrl)}`);
    await page.waitForSelector('#vault-address');
    const vault = await page.textContent('#vault-address');
    assert.match(vault, /^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    assert.equal(await page.textContent('#vault-balance'), '0 SOL');
    await page.waitForSelector('#policies table');

    await page.click('button.wallet');
    await page.waitForSelector('#give:not([disabled])');
    // The wallet refuses: one line, nothing sent.
    await page.evaluate(() => (window.__refuseSignature = true));
    await page.click('#give');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.includes('refused to sign'));
    await page.evaluate(() => (window.__refuseSignature = false));
    // 0 SOL never reaches the chain; the program's own refusal shows by its IDL name.
    await page.fill('#amount', '1');
    await page.fill('#memo', 'x'.repeat(64) + 'y');
    await page.click('#give');
    await page.waitForFunction(() => document.querySelector('#status')?.className === 'error' && !document.querySelector('#status')?.textContent?.includes('waiting'));
    const refusal = await page.textContent('#status');
    console.log('refusal shown:', refusal);
    assert.match(refusal, /refused by Covenant: \w+: /);

    await page.fill('#memo', 'for the poster photos');
    await page.click('#give');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('donated 1 SOL'), null, { timeout: 60_000 });
    assert.equal(await page.textContent('#vault-balance'), '1 SOL');
    await page.waitForSelector('tr.event[data-name="DonationReceived"]');
    await page.screenshot({ path: process.env.COVENANT_SCREENSHOT ?? 'donor-app.png', fullPage: true });
    console.log(`browser suite passed: treasury ${treasury}, vault ${vault}`);
} finally {
    await browser.close();
}
