// The donor app in a real browser (Debian's Chromium, headless, driven by playwright-core) against
// a running validator: the keeper binary creates a treasury and pays a payee; a test-only Wallet
// Standard wallet (an in-page key funded from the faucet) is refused its signature, meets a program
// refusal by its IDL name and insufficient funds, donates 1 SOL (vault balance and feed update),
// verifies the keeper's decision hash from its decision-log line and finds it verified by itself
// against the record the treasury points to on chain (the model re-run in the browser), flags a
// tampered record in red (and `covenant-keeper verify SIGNATURE` fails on it, as it passes on the
// true one), sees a claim's dispute opened in the page and overturned, funds a tranche grant with a
// previewed schedule and tops it up, claws back and closes an expired one; the treasury opens by
// operator and id too, a cluster that is down gets one line, and screenshots are written for the README
// at a desktop's width and a phone's (where the page must never be wider than the screen).
// Env: COVENANT_LOCALNET_URL, COVENANT_LOCALNET_FAUCET (keypair file), COVENANT_KEEPER (binary),
// COVENANT_APP_URL (the served bundle), COVENANT_SCREENSHOT (where to write the desktop one; the
// phone's goes beside it as NAME-phone.png).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';

import {
    address,
    appendTransactionMessageInstructions,
    createKeyPairSignerFromBytes,
    createSolanaRpc,
    createTransactionMessage,
    getAddressEncoder,
    getProgramDerivedAddress,
    getBase58Decoder,
    getBase64EncodedWireTransaction,
    pipe,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
} from '@solana/kit';
import { chromium } from 'playwright-core';

import { challengeInPage, disputedClaim } from './browser-disputes.mjs';

// How long a new transaction may take to reach the feed (a test validator may stop serving a
// confirmed one for a while before its root; the page asks again every second meanwhile).
const FEED = { timeout: 90_000 };
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

/** Waits until the page's one-line status satisfies `accept(text, className)`; on timeout says what it showed. */
async function untilStatus(page, accept, timeout = 30_000) {
    const started = Date.now();
    let text = '';
    let kind = '';
    while (Date.now() - started < timeout) {
        [text, kind] = await page.$eval('#status', (el) => [el.textContent ?? '', el.className]);
        if (accept(text, kind)) return text;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`status never came: it showed "${text}" (${kind || 'no class'})`);
}

/** Sends `instructions` with the faucet paying (other signers ride on their account metas). */
async function send(instructions, what) {
    const { value: blockhash } = await rpc.getLatestBlockhash().send();
    const message = pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(faucet, m),
        (m) => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
        (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const signed = await signTransactionMessageWithSigners(message);
    const signature = await rpc.sendTransaction(getBase64EncodedWireTransaction(signed), { encoding: 'base64' }).send();
    for (let i = 0; i < 100; i++) {
        const { value } = await rpc.getSignatureStatuses([signature]).send();
        if (value[0]?.err) throw new Error(`${what} failed: ${JSON.stringify(value[0].err, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
        if (value[0]?.confirmationStatus === 'confirmed' || value[0]?.confirmationStatus === 'finalized') return;
        await new Promise((resolve) => setTimeout(resolve, 300));
    }
    throw new Error(`${what} not confirmed`);
}

const SYSTEM = address('11111111111111111111111111111111');
const TOKEN = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
const ATA = address('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');
const payer = { address: faucet.address, role: 3, signer: faucet };

function transfer(to, lamports) {
    const data = new Uint8Array(12);
    new DataView(data.buffer).setUint32(0, 2, true);
    new DataView(data.buffer).setBigUint64(4, lamports, true);
    return send([{ programAddress: SYSTEM, accounts: [payer, { address: address(to), role: 1 }], data }], `transfer to ${to}`);
}

async function tokenAccount(owner, mint) {
    const encode = getAddressEncoder().encode;
    return (await getProgramDerivedAddress({ programAddress: ATA, seeds: [encode(owner), encode(TOKEN), encode(mint)] }))[0];
}

/** A fresh SPL token (6 decimals, the faucet its mint authority) with `amount` minted to `holder`. */
async function tokenFor(holder, amount) {
    const seed = randomBytes(32);
    const mint = await createKeyPairSignerFromBytes(new Uint8Array([...seed, ...keyFromSeed(seed).publicKey]));
    const encode = getAddressEncoder().encode;
    const rent = await rpc.getMinimumBalanceForRentExemption(82n).send();
    const create = new Uint8Array(52);
    new DataView(create.buffer).setBigUint64(4, rent, true);
    new DataView(create.buffer).setBigUint64(12, 82n, true);
    create.set(encode(TOKEN), 20);
    // InitializeMint2: decimals, mint authority, no freeze authority.
    const initialize = new Uint8Array([20, 6, ...encode(faucet.address), 0]);
    const mintTo = new Uint8Array(9);
    mintTo[0] = 7;
    new DataView(mintTo.buffer).setBigUint64(1, amount, true);
    const holderAccount = await tokenAccount(address(holder), mint.address);
    const readonly = (key) => ({ address: key, role: 0 });
    await send(
        [
            { programAddress: SYSTEM, accounts: [payer, { address: mint.address, role: 3, signer: mint }], data: create },
            { programAddress: TOKEN, accounts: [{ address: mint.address, role: 1 }], data: initialize },
            {
                programAddress: ATA,
                accounts: [payer, { address: holderAccount, role: 1 }, readonly(address(holder)), readonly(mint.address), readonly(SYSTEM), readonly(TOKEN)],
                data: new Uint8Array([1]),
            },
            {
                programAddress: TOKEN,
                accounts: [{ address: mint.address, role: 1 }, { address: holderAccount, role: 1 }, { address: faucet.address, role: 2, signer: faucet }],
                data: mintTo,
            },
        ],
        'the token',
    );
    return mint.address;
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
// Where the keeper's records (and a claim's photo) are served, as object storage would serve a
// synced records directory: any origin may read them.
const recordsDir = join(dir, 'records');
mkdirSync(join(recordsDir, 'photos'), { recursive: true });
const recordsServer = createServer((request, response) => {
    const path = normalize(join(recordsDir, decodeURIComponent(new URL(request.url, 'http://x').pathname)));
    response.setHeader('access-control-allow-origin', '*');
    if (!path.startsWith(recordsDir) || !existsSync(path) || !statSync(path).isFile()) {
        response.writeHead(404).end();
        return;
    }
    createReadStream(path).pipe(response);
});
await new Promise((resolve) => recordsServer.listen(0, '127.0.0.1', resolve));
const recordsUrl = `http://127.0.0.1:${recordsServer.address().port}`;
const inference = keyFromSeed(randomBytes(32));
const keeper = keypairFile(keeperSeed, 'keeper.json');
await transfer(operator.address, 5_000_000_000n);
// The keeper pays its own fees.
await transfer(keeper.address, 1_000_000_000n);
const donor = keyFromSeed(randomBytes(32));
await transfer(donor.address, 3_000_000_000n);
// A token the treasury has a policy for, 5 of it in the donor's wallet.
const token = await tokenFor(donor.address, 5_000_000n);
writeFileSync(
    join(dir, 'keeper.toml'),
    `[cluster]\nurl = "${rpcUrl}"\n[keys]\nkeeper = "keeper.json"\noperator = "operator.json"\n[treasury]\nid = 7\nrecords_uri = "${recordsUrl}"\n` +
        `[[policy]]\nasset = "SOL"\nper_tx_max = "1 SOL"\nperiod_seconds = 86_400\nperiod_cap = "2 SOL"\n` +
        `[[policy]]\nasset = "${token}"\nper_tx_max = 1_000_000\nperiod_seconds = 86_400\nperiod_cap = 2_000_000\n` +
        // One allowlisted payee paid hourly: the keeper's decision behind it is what the page verifies.
        `[[payee]]\nrecipient = "${inference.address}"\nlabel = "GPU inference"\ncategory = "inference"\nbudget = "1 SOL"\n` +
        `[[payment]]\nname = "inference"\nrecipient = "${inference.address}"\namount = "0.1 SOL"\nevery_seconds = 3_600\n`,
);
execFileSync(keeperBin, ['--config', join(dir, 'keeper.toml'), 'init'], { stdio: 'inherit' });
const status = JSON.parse(execFileSync(keeperBin, ['--config', join(dir, 'keeper.toml'), '--output', 'json', 'status']).toString());
const treasury = status.treasury;
assert.ok(treasury, `status names the treasury: ${JSON.stringify(status).slice(0, 200)}`);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    page.on('pageerror', (error) => console.error('page error:', error.message));
    page.on('console', (message) => message.type() === 'error' && console.error('page console:', message.text()));
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

    const open = async () => {
        await page.goto(`${appUrl}/?treasury=${treasury}&rpc=${encodeURIComponent(rpcUrl)}`);
        await page.waitForSelector('#vault-address');
        await page.click('button.wallet');
        await page.waitForSelector('#give:not([disabled])');
    };
    const text = async (selector) => (await page.textContent(selector))?.trim();
    await open();
    const vault = await text('#vault-address');
    assert.match(vault, /^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    assert.equal(await text('#vault-balance'), '0 SOL');
    await page.waitForSelector('#policies table');
    assert.match(await text('#payees'), /inference\s*GPU inference/);

    // The wallet refuses: one line, nothing sent.
    await page.evaluate(() => (window.__refuseSignature = true));
    await page.click('#give');
    await untilStatus(page, (line) => line.includes('refused to sign'));
    await page.evaluate(() => (window.__refuseSignature = false));
    // The program's own refusal, by its IDL name: the memo field's limit is lifted so the chain,
    // not the form, is what says no.
    await page.$eval('#memo', (memo) => memo.removeAttribute('maxlength'));
    await page.fill('#memo', 'x'.repeat(65));
    await page.click('#give');
    const refusal = await untilStatus(page, (line, kind) => kind === 'error');
    console.log('refusal shown:', refusal);
    assert.match(refusal, /^refused by Covenant: MemoTooLong: /);

    // More than the wallet holds (3 SOL): one line, and the vault is unchanged.
    await page.fill('#memo', 'too much');
    await page.fill('#amount', '100');
    await page.click('#give');
    const short = await untilStatus(page, (line, kind) => kind === 'error');
    console.log('insufficient funds shown:', short);
    assert.match(short, /^insufficient funds: /);
    assert.equal(await text('#vault-balance'), '0 SOL');

    await page.fill('#amount', '1');
    await page.fill('#memo', 'for the poster photos');
    await page.click('#give');
    await untilStatus(page, (line) => line.startsWith('donated 1 SOL'), 60_000);
    assert.equal(await text('#vault-balance'), '1 SOL');
    // A node lists a transaction by address a moment after confirming it; the feed refreshes.
    await page.waitForSelector('tr.event[data-name="DonationReceived"]', FEED);

    // A token donation: 2.5 of the policy's token (6 decimals), into the vault's token account.
    await page.selectOption('#donate-asset', token);
    await page.fill('#amount', '2.5');
    await page.fill('#memo', 'tokens too');
    await page.click('#give');
    await untilStatus(page, (line) => line.startsWith('donated 2.5 tokens'), 60_000);
    assert.match(await text('#vault-tokens'), new RegExp(`^2\\.5 of ${token}$`));
    await page.waitForFunction(
        (prefix) => [...document.querySelectorAll('tr.event[data-name="DonationReceived"]')].some((row) => row.textContent.includes(`2.5 ${prefix}`)),
        token.slice(0, 6),
        FEED,
    );

    // The keeper pays its payee; the page shows the decision's hashes, and the decision log's line
    // recomputes to the hash on chain.
    const decisions = join(dir, 'decisions.jsonl');
    execFileSync(keeperBin, ['--config', join(dir, 'keeper.toml'), 'run', '--once', '--decision-log', decisions], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, RUST_LOG: 'error' } });
    await open();
    await page.waitForSelector('tr.event[data-name="Spent"] .decision-hash', FEED);
    const onChain = await page.$$eval('tr.event[data-name="Spent"] .decision-hash', (cells) => cells.map((cell) => cell.textContent));
    const line = readFileSync(decisions, 'utf8').split('\n').find((entry) => onChain.some((hash) => hash && entry.includes(`"${hash}"`)));
    assert.ok(line, `the decision log holds the decision behind ${onChain}`);
    await page.fill('#line', line);
    await page.click('#check');
    await page.waitForFunction(() => document.querySelector('#verdict')?.textContent);
    assert.match(await text('#verdict'), /^[0-9a-f]{64}: matches the line, and is on chain in the activity above$/);
    // One changed character in the input, and the hash is no longer the one on chain.
    await page.fill('#line', line.replace('"input":{', '"input":{"forged":1,'));
    await page.click('#check');
    await page.waitForFunction(() => document.querySelector('#verdict')?.className === 'error');
    assert.doesNotMatch(await text('#verdict'), /on chain/);

    // Nobody needs to paste anything: the page found the record where the treasury says on chain,
    // hashed it to the decision on chain, and ran the model on its features again in the browser.
    const spent = 'tr.event[data-name="Spent"]';
    await page.waitForSelector(`${spent} .record.verified[data-reproduced="true"]`, FEED);
    console.log('record shown:', await text(`${spent} .record`), await text(`${spent} .rerun`));
    // `verify SIGNATURE` against the localnet: the transaction's events, the record they point to.
    const signature = await page.$eval(`${spent} td[title]`, (cell) => cell.title);
    const keeperArgs = ['--config', join(dir, 'keeper.toml'), 'verify', signature];
    // Asynchronous: the records server answering `verify` runs in this very process.
    const keeperEnv = { env: { ...process.env, RUST_LOG: 'error' }, timeout: 60_000 };
    const { stdout: verified } = await promisify(execFile)(keeperBin, keeperArgs, keeperEnv);
    const escape = (literal) => literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    assert.match(verified, new RegExp(`^transaction ${signature}\nSpent [0-9a-f]{64} \\(from ${escape(recordsUrl)}\\):`));
    assert.match(verified, /as logged/);
    // A record changed after the fact: red in the page, and the command fails with one line.
    const [hash] = onChain;
    const recordFile = join(recordsDir, 'decisions', `${hash}.json`);
    const original = readFileSync(recordFile, 'utf8');
    writeFileSync(recordFile, original.replace(/"approve":[-0-9.e]+/, '"approve":0.999'));
    await open();
    await page.waitForSelector(`${spent} .record.mismatched`, FEED);
    assert.equal(await page.$eval(`${spent} .record.mismatched`, (badge) => getComputedStyle(badge).backgroundColor), 'rgb(179, 38, 30)');
    const refused = await promisify(execFile)(keeperBin, keeperArgs, keeperEnv).then(() => null, (failure) => failure);
    assert.ok(refused && refused.code !== 0, 'verify fails on a tampered record');
    assert.match(refused.stderr, /does not hold up/);
    writeFileSync(recordFile, original);

    // A tranche grant, its schedule previewed before signing and drawn once funded; then a top-up.
    await page.selectOption('#grant-kind', 'Tranches');
    await page.fill('#grant-amount', '0.5');
    await page.fill('#grant-tranches', '+1d 50%, +2d 50%');
    await page.fill('#grant-expiry', '+3d');
    await page.waitForFunction(() => document.querySelector('#grant-preview svg')?.getAttribute('aria-label')?.includes('0.5 SOL by'));
    assert.match(await page.getAttribute('#grant-preview svg', 'aria-label'), /^vests 0\.25 SOL by .+, 0\.5 SOL by .+; expires /);
    // What the program would refuse is named before the wallet opens.
    await page.fill('#grant-tranches', '+1d 50%, +2d 40%');
    await page.waitForFunction(() => document.querySelector('#grant-preview')?.textContent?.includes('90%, not 100%'));
    await page.fill('#grant-tranches', '+1d 50%, +2d 50%');
    await page.click('#fund');
    await untilStatus(page, (line) => line.startsWith('grant #1 funded'), 60_000);
    const grantRow = 'tr.grant[data-id="1"]';
    assert.equal(await text(`${grantRow} .funded`), '0.5 SOL');
    assert.equal((await text(`${grantRow} .schedule-text`)).split(',').length, 2, 'two tranches drawn');
    assert.ok(await page.$(`${grantRow} svg.schedule path`));
    await page.waitForSelector('tr.event[data-name="GrantCreated"]', FEED);
    await page.fill(`${grantRow} .top-up-amount`, '0.25');
    await page.click(`${grantRow} button.top-up`);
    await untilStatus(page, (line) => line.startsWith('grant #1 topped up'), 60_000);
    assert.equal(await text(`${grantRow} .funded`), '0.75 SOL');

    // A short grant: clawed back after its expiry, then closed.
    await page.selectOption('#grant-kind', 'Linear');
    await page.fill('#grant-amount', '0.1');
    await page.fill('#grant-start', '+1d');
    await page.fill('#grant-end', '+2d');
    await page.fill('#grant-expiry', '+6s');
    await page.click('#fund');
    await untilStatus(page, (line) => line.startsWith('grant #2 funded'), 60_000);
    const shortRow = 'tr.grant[data-id="2"]';
    for (let i = 0; i < 30 && !(await page.$(`${shortRow} button.claw-back`)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        await open();
    }
    await page.click(`${shortRow} button.claw-back`);
    await untilStatus(page, (line) => line.startsWith('grant #2 clawed back'), 60_000);
    assert.equal(await text(`${shortRow} .clawed-back`), '0.1 SOL');
    await page.waitForSelector('tr.event[data-name="GrantClawedBack"]', FEED);
    await page.waitForSelector('tr.event[data-name="GrantToppedUp"]', FEED);
    await page.click(`${shortRow} button.close-grant`);
    await untilStatus(page, (line) => line.startsWith('grant #2 closed'), 60_000);
    assert.equal(await page.$(shortRow), null, 'a closed grant is gone');
    // Its history stays in the feed (through the donor's own transactions).
    await page.waitForSelector('tr.event[data-name="GrantClosed"]', FEED);

    // A dispute: the donor challenges an approval from the page; the arbiter overturns it.
    const signer = (seed) => createKeyPairSignerFromBytes(new Uint8Array([...seed, ...keyFromSeed(seed).publicKey]));
    const flow = await disputedClaim({
        rpc,
        send,
        transfer,
        treasury: address(treasury),
        operator: await signer(operatorSeed),
        keeper: await signer(keeperSeed),
        photos: join(recordsDir, 'photos'),
        photosUrl: `${recordsUrl}/photos`,
    });
    await challengeInPage({ page, open, untilStatus, flow, donor: donor.address, FEED });
    // Reputation, folded from the treasury's events on the localnet: the fake approval is caught,
    // the donor won the challenge, the agent was overturned once, the payee was paid.
    const reputationArgs = ['--config', join(dir, 'keeper.toml'), '--output', 'json', 'reputation'];
    const standing = JSON.parse((await promisify(execFile)(keeperBin, reputationArgs, keeperEnv)).stdout);
    assert.equal(standing.treasury, treasury);
    assert.deepEqual(
        [standing.accounts[flow.fan].approvals_overturned, standing.accounts[flow.fan].claims_rejected, standing.accounts[flow.fan].claims_paid],
        [1, 1, 0],
    );
    assert.equal(standing.accounts[donor.address].challenges_won, 1);
    assert.deepEqual([standing.agent.disputes_opened, standing.agent.decisions_overturned], [1, 1]);
    assert.ok(standing.accounts[inference.address].payments >= 1, 'the scheduled payee was paid');
    console.log('reputation:', JSON.stringify(standing.agent));

    // The same treasury by its operator and id, as the keeper's config names it.
    await page.goto(`${appUrl}/?operator=${operator.address}&id=7&rpc=${encodeURIComponent(rpcUrl)}`);
    await page.waitForSelector('#vault-address');
    assert.equal(await text('#vault-address'), vault);
    // The cluster down: one line that names it.
    const downUrl = 'http://127.0.0.1:59123';
    await page.goto(`${appUrl}/?treasury=${treasury}&rpc=${encodeURIComponent(downUrl)}`);
    assert.equal(await untilStatus(page, (line, kind) => kind === 'error'), `cannot reach the cluster at ${downUrl}`);

    // The screenshot the README shows: the whole page, with a verified decision.
    await open();
    await page.waitForSelector('tr.event[data-name="Spent"] .decision-hash', FEED);
    await page.waitForSelector('tr.event[data-name="GrantCreated"]', FEED);
    await page.fill('#line', line);
    await page.click('#check');
    await page.waitForFunction(() => document.querySelector('#verdict')?.textContent?.includes('is on chain'));

    // At a desktop's width, and at a phone's, where the page must never be wider than the screen
    // (tables scroll inside their cards).
    const shot = process.env.COVENANT_SCREENSHOT ?? 'donor-app.png';
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.screenshot({ path: shot, fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    // What sticks out, innermost first, so a failure names the element to fix.
    const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
            .filter((node) => node.getBoundingClientRect().right > window.innerWidth + 1 && !node.closest('table'))
            .slice(-5)
            .map((node) => `${node.tagName.toLowerCase()}#${node.id}.${node.className} ${Math.round(node.getBoundingClientRect().width)}px`),
    );
    assert.ok(overflow <= 0, `on a phone the page is ${overflow}px wider than the screen: ${wide.join(', ')}`);
    const verdictBox = await page.$eval('#verdict', (node) => node.getBoundingClientRect().right);
    assert.ok(verdictBox <= 390, 'the verdict fits the screen');
    await page.screenshot({ path: shot.replace(/\.png$/, '-phone.png'), fullPage: true });
    console.log(`browser suite passed: treasury ${treasury}, vault ${vault}`);
} catch (error) {
    // What the page showed when it failed, for the CI log.
    const pages = browser.contexts().flatMap((context) => context.pages());
    for (const open of pages) {
        console.error('page status:', await open.textContent('#status').catch(() => '?'));
        console.error('page activity:', (await open.textContent('#activity').catch(() => '?'))?.slice(0, 600));
        await open.screenshot({ path: join(dir, 'failure.png'), fullPage: true }).catch(() => {});
        console.error(`screenshot of the failure: ${join(dir, 'failure.png')}`);
    }
    throw error;
} finally {
    await browser.close();
    recordsServer.close();
}
