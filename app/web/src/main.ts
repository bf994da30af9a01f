// The donor page: open a treasury by address (?treasury=…&rpc=…), see where its money is and what
// its keeper did with it, donate through a wallet, verify a decision hash.
import { address, type Address, type Instruction, type TransactionSigner } from '@solana/kit';
import type { Wallet, WalletAccount } from '@wallet-standard/base';
import QRCode from 'qrcode';

import { activity, connect, load, remember, type CovenantRpc, type Loaded } from './chain';
import { auditDecisions, recordBadge } from './audit';
import { renderBounties } from './bounties';
import { httpBase, recordsUri } from './records';
import { describe } from './errors';
import { decisionHash } from './verify';
import { donateSol, donateToken, SOL_ASSET, treasuryAddress } from './donor';
import { amountText, renderGrants, type Page } from './grants';
import { mintInfo } from './tokens';
import { confirm, connectWallet, signAndSend, walletSigner, watchWallets } from './wallet';
import { esc, hex, lamportsToSol, parseAmount, section, when } from './view';
const params = new URLSearchParams(location.search);
const rpcUrl = params.get('rpc') ?? 'http://127.0.0.1:8899';
const status = document.querySelector<HTMLParagraphElement>('#status')!;
const form = document.querySelector<HTMLFormElement>('#open')!;
(form.elements.namedItem('rpc') as HTMLInputElement).value = rpcUrl;

function say(text: string, kind: 'error' | 'ok' | '' = '') {
    status.textContent = text;
    status.className = kind;
}

let wallets: Wallet[] = [];
let connected: { wallet: Wallet; account: WalletAccount } | null = null;

let currentLoaded: Loaded | null = null;
/** Where the treasury's decision records are served (from its records URI on chain). */
let recordsBase: string | null = null;

/** One wallet transaction from start to the refreshed page; every failure is one line. */
async function transact(
    rpc: CovenantRpc,
    treasury: Address,
    build: (signer: TransactionSigner) => Promise<Instruction[]>,
    done: string,
): Promise<void> {
    if (!connected) return say('connect a wallet first', 'error');
    try {
        const instructions = await build(walletSigner(connected.account));
        say('waiting for the wallet…');
        const signature = await signAndSend(rpc, connected.wallet, connected.account, instructions);
        say('sent; confirming…');
        remember(signature, await confirm(rpc, signature));
        await show(rpc, treasury);
        say(`${done}: ${signature}`, 'ok');
    } catch (error) {
        say(describe(error, rpcUrl), 'error');
    }
}

async function show(rpc: CovenantRpc, treasury: Address) {
    say('loading…');
    const [loaded, uri] = await Promise.all([load(rpc, treasury), recordsUri(rpc, treasury)]);
    recordsBase = uri === null ? null : httpBase(uri);
    currentLoaded = loaded;
    document.querySelector('main')!.hidden = false;
    await renderVault(loaded);
    const page: Page = {
        rpc,
        loaded,
        get account() {
            return connected?.account ?? null;
        },
        transact: (build, done) => transact(rpc, loaded.address, build, done),
        say,
        recordsBase,
    };
    renderDonate(page);
    renderPolicies(loaded);
    renderPayees(loaded);
    renderGrants(page);
    await renderBounties(page);
    renderVerify();
    say('');
    // The connected donor's own transactions hold the events of grants already closed.
    const watched = [
        treasury,
        ...loaded.grants.map((grant) => grant.address),
        ...loaded.bounties.map((bounty) => bounty.address),
        ...(connected ? [address(connected.account.address)] : []),
    ];
    // A node serves a transaction's details a moment after confirming it: the feed keeps up,
    // asking every second while something listed is not served yet.
    clearTimeout(activityTimer);
    const generation = ++activityGeneration;
    const refresh = async () => {
        let pending = false;
        try {
            pending = await renderActivity(rpc, watched);
        } catch (error) {
            // The feed says it is stale rather than silently stopping; the next refresh retries.
            const stale = `<p class="error">activity not refreshed: ${esc(describe(error, rpcUrl))}</p>`;
            section('activity', 'Activity', stale + shownActivity);
        }
        // A newer page load runs its own refreshes.
        if (generation !== activityGeneration) return;
        activityTimer = setTimeout(() => void refresh(), pending ? PENDING_REFRESH_MS : ACTIVITY_REFRESH_MS);
    };
    await refresh();
}

const ACTIVITY_REFRESH_MS = 4_000;
const PENDING_REFRESH_MS = 1_000;
let activityTimer: ReturnType<typeof setTimeout> | undefined;
let activityGeneration = 0;

/** Draws the feed; true while some listed transaction is not served yet. */
async function renderActivity(rpc: CovenantRpc, watched: Address[]): Promise<boolean> {
    const treasury = watched[0];
    const { events: all, pending } = await activity(rpc, watched);
    // Events of other treasuries (a donor's transactions elsewhere) are not this page's.
    const events = all.filter((event) => (event.data.treasury ?? treasury) === treasury);
    // Each decision checked against its published record, without anyone pasting anything.
    const decided = events
        .map((event) => (event.data as { decision?: { modelHash: Uint8Array; decisionHash: Uint8Array } }).decision)
        .filter((decision) => decision !== undefined && decision.decisionHash.some((byte) => byte !== 0))
        .map((decision) => ({ hash: hex(decision!.decisionHash), model: hex(decision!.modelHash) }));
    await auditDecisions(recordsBase, decided);
    const html = events.length
        ? `<table><tr><th>when</th><th>event</th><th>details</th><th>model hash · decision hash</th></tr>${events
              .map((event) => {
                  const data = event.data as Record<string, any>;
                  const decision = data.decision as { modelHash: Uint8Array; decisionHash: Uint8Array } | undefined;
                  const asset = (data.asset as Address | undefined) ?? SOL_ASSET;
                  const amount = typeof data.amount === 'bigint' ? amountText(currentLoaded!, asset, data.amount) : '';
                  const who = data.recipient ?? data.donor ?? data.claimant ?? '';
                  const when = event.blockTime === null ? '' : new Date(Number(event.blockTime) * 1000).toISOString().slice(0, 19).replace('T', ' ');
                  return `<tr class="event" data-name="${esc(event.name)}"><td title="${esc(event.signature)}">${esc(when)}</td><td>${esc(event.name)}</td><td>${esc(amount)} <span class="mono">${esc(String(who))}</span></td><td class="mono">${
                      decision ? `${hex(decision.modelHash)}<br><span class="decision-hash">${hex(decision.decisionHash)}</span>${recordBadge(hex(decision.decisionHash))}` : ''
                  }</td></tr>`;
              })
              .join('')}</table>`
        : '<p>No activity yet.</p>';
    // Redrawn only when something new came in, so a reader's selection survives the refresh.
    if (html !== shownActivity) section('activity', 'Activity', html);
    shownActivity = html;
    return pending;
}
let shownActivity = '';

async function renderVault(loaded: Loaded) {
    const uri = `solana:${loaded.vault}`;
    section('vault', 'Vault', `<canvas id="qr"></canvas><div>
        <p>Send SOL or tokens to the vault; the chain enforces how the agent may spend them.</p>
        <p class="mono" id="vault-address">${loaded.vault}</p>
        <button id="copy">Copy address</button>
        <p>Balance (above rent): <strong id="vault-balance">${lamportsToSol(loaded.vaultLamports)} SOL</strong>
        ${when(loaded.treasury.paused, ' · <strong class="error">paused by its guardian</strong>')}</p>
        ${when(loaded.vaultTokens.length > 0, `<ul id="vault-tokens">${loaded.vaultTokens
            .map((token) => `<li>${lamportsToSol(token.amount, token.decimals)} of <span class="mono">${token.mint}</span></li>`)
            .join('')}</ul>`)}
        <p>Donations recorded: ${loaded.treasury.donationCount}</p></div>`);
    await QRCode.toCanvas(document.querySelector('#qr') as HTMLCanvasElement, uri, { width: 160 });
    document.querySelector('#copy')!.addEventListener('click', async () => {
        await navigator.clipboard.writeText(loaded.vault);
        say('vault address copied', 'ok');
    });
}

function renderDonate(page: Page) {
    const { loaded } = page;
    const policyOf = (asset: Address) => loaded.policies.find((policy) => policy.data.asset === asset)?.address;
    const tokens = loaded.policies.map(({ data }) => data.asset).filter((asset) => asset !== SOL_ASSET);
    const draw = () => {
        section('donate', 'Donate', wallets.length === 0
            ? '<p>No wallet found: install Phantom, Solflare or Backpack (any Wallet Standard wallet).</p>'
            : `<p>${wallets.map((wallet, i) => `<button class="wallet" data-i="${i}">${esc(wallet.name)}</button>`).join(' ')}
               ${connected ? `connected: <span class="mono" id="connected">${esc(connected.account.address)}</span>` : ''}</p>
               <p><input id="amount" value="1" size="8"> <select id="donate-asset"><option value="${SOL_ASSET}">SOL</option>${tokens
                   .map((mint) => `<option value="${mint}">${mint}</option>`)
                   .join('')}<option value="other">other token…</option></select>
               <input id="donate-mint" placeholder="mint address" size="44" hidden>
               <input id="memo" placeholder="memo" maxlength="64">
               <button id="give" ${connected ? '' : 'disabled'}>Donate</button></p>`);
        document.querySelectorAll<HTMLButtonElement>('button.wallet').forEach((button) =>
            button.addEventListener('click', async () => {
                try {
                    const wallet = wallets[Number(button.dataset.i)];
                    connected = { wallet, account: await connectWallet(wallet) };
                    draw();
                    renderGrants(page);
                    // A connected claimant may appeal its own rejected claim.
                    void renderBounties(page);
                } catch (error) {
                    say(describe(error, rpcUrl), 'error');
                }
            }),
        );
        const assetChoice = document.querySelector<HTMLSelectElement>('#donate-asset');
        assetChoice?.addEventListener('change', () => {
            document.querySelector<HTMLElement>('#donate-mint')!.hidden = assetChoice.value !== 'other';
        });
        document.querySelector('#give')?.addEventListener('click', () => {
            const typed = (document.querySelector('#amount') as HTMLInputElement).value;
            const memo = (document.querySelector('#memo') as HTMLInputElement).value;
            const choice = assetChoice?.value ?? SOL_ASSET;
            const asset = choice === 'other' ? (document.querySelector('#donate-mint') as HTMLInputElement).value.trim() : choice;
            const unit = asset === SOL_ASSET ? 'SOL' : 'tokens';
            void page.transact(async (signer) => {
                if (asset === SOL_ASSET) return donateSol(signer, loaded.address, policyOf(SOL_ASSET), parseAmount(typed), memo);
                const token = await mintInfo(page.rpc, address(asset));
                return donateToken(signer, loaded.address, token, policyOf(token.mint), parseAmount(typed, token.decimals, unit), memo);
            }, `donated ${typed.trim()} ${unit}`);
        });
    };
    redrawDonate = draw;
    if (watchingWallets) return draw();
    watchingWallets = true;
    watchWallets((found) => {
        wallets = found;
        redrawDonate?.();
    });
}

let watchingWallets = false;
let redrawDonate: (() => void) | null = null;

function renderPolicies(loaded: Loaded) {
    const rows = loaded.policies.map(({ data }) => {
        const limits = data.limits;
        const windowEnd = data.window.start + BigInt(limits.periodSeconds);
        const current = loaded.now < windowEnd;
        const spent = current ? data.window.spent : 0n;
        const used = limits.periodCap > 0n ? Number((spent * 1000n) / limits.periodCap) / 10 : 0;
        const asset = data.asset === SOL_ASSET ? 'SOL' : data.asset;
        const next = current ? new Date(Number(windowEnd) * 1000).toISOString().replace('.000Z', 'Z') : 'now (window over)';
        return `<tr><td class="mono">${esc(asset)}</td><td>${lamportsToSol(limits.perTxMax, data.decimals)}</td>
            <td><span class="bar"><span style="width:${Math.min(used, 100)}%"></span></span> ${lamportsToSol(spent, data.decimals)} of ${lamportsToSol(limits.periodCap, data.decimals)} (${used}%)</td>
            <td>${esc(next)}</td><td>${lamportsToSol(data.totalReceived, data.decimals)} / ${lamportsToSol(data.totalSpent, data.decimals)}</td></tr>`;
    });
    section('policies', 'Spend policies', rows.length
        ? `<table><tr><th>asset</th><th>per transaction</th><th>this period</th><th>next reset</th><th>received / spent</th></tr>${rows.join('')}</table>`
        : '<p>No spend policy: the keeper cannot spend anything.</p>');
}

function renderPayees(loaded: Loaded) {
    const byCategory = new Map<string, typeof loaded.payees>();
    for (const payee of loaded.payees) byCategory.set(payee.data.category, [...(byCategory.get(payee.data.category) ?? []), payee]);
    section('payees', 'Payees', byCategory.size
        ? [...byCategory].map(([category, payees]) => `<h3>${esc(category)}</h3><ul>${payees
              .map(({ data }) => `<li>${esc(data.label)} <span class="mono">${data.recipient}</span>, paid ${data.paidCount} ${data.paidCount === 1n ? 'time' : 'times'}</li>`)
              .join('')}</ul>`).join('')
        : '<p>No allowlisted payees.</p>');
}

function renderVerify() {
    section('verify', 'Verify a decision', `<p>Paste one line of the keeper's decision log: its hash is
        recomputed here and must equal the decision hash the chain recorded.</p>
        <textarea id="line" rows="4"></textarea><button id="check">Verify</button> <span id="verdict"></span>`);
    document.querySelector('#check')!.addEventListener('click', async () => {
        const verdict = document.querySelector('#verdict')!;
        try {
            const { computed, logged } = await decisionHash((document.querySelector('#line') as HTMLTextAreaElement).value.trim());
            const onChain = [...document.querySelectorAll('.decision-hash')].some((cell) => cell.textContent === computed);
            verdict.className = computed === logged ? 'ok' : 'error';
            verdict.textContent = `${computed}: ${computed === logged ? 'matches the line' : `differs from the line's ${logged}`}${onChain ? ', and is on chain in the activity above' : ''}`;
        } catch (error) {
            verdict.className = 'error';
            verdict.textContent = describe(error, rpcUrl);
        }
    });
}

form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    location.search = new URLSearchParams({ treasury: String(data.get('treasury')), rpc: String(data.get('rpc')) }).toString();
});

/** `?treasury=ADDRESS`, or `?operator=ADDRESS&id=N` (the PDA the program derives from them). */
async function treasuryFromUrl(): Promise<Address | undefined> {
    const treasury = params.get('treasury');
    if (treasury) return address(treasury);
    const operator = params.get('operator');
    const id = params.get('id');
    if (!operator) return undefined;
    if (!id || !/^\d+$/.test(id)) throw new Error('the URL names an operator but no treasury id (add &id=N)');
    return treasuryAddress(address(operator), BigInt(id));
}

try {
    const treasury = await treasuryFromUrl();
    if (treasury) {
        (form.elements.namedItem('treasury') as HTMLInputElement).value = treasury;
        await show(connect(rpcUrl), treasury);
    } else {
        say('Open a treasury by its address (or ?operator=ADDRESS&id=N in the URL).');
    }
} catch (error) {
    say(describe(error, rpcUrl), 'error');
}
