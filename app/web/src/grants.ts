// Grants on the page: each with its schedule drawn and its ledger, the donor's own actions on it
// (top up while live, claw back after expiry, close once empty), and the form that funds a new one
// with a live preview of its schedule, checked by the program's own rules before the wallet opens.
import type { Grant } from '@covenant/client';
import { address, type Address, type Instruction, type TransactionSigner } from '@solana/kit';
import type { WalletAccount } from '@wallet-standard/base';

import type { CovenantRpc, Loaded } from './chain';
import { clawBackGrant, closeGrant, createGrant, SOL_ASSET, topUpGrant, type GrantTerms } from './donor';
import { describeSchedule, MAX_GRANT_PAYEES, parseMoment, parseTranches, scheduleProblem, scheduleSvg, vested, type Schedule } from './schedule';
import { mintInfo } from './tokens';
import { esc, lamportsToSol, optionValue, parseAmount, section, when } from './view';

export type Page = {
    rpc: CovenantRpc;
    loaded: Loaded;
    account: WalletAccount | null;
    /** Signs and sends what `build` returns, confirms it, reloads the page, says `done`. */
    transact(build: (signer: TransactionSigner) => Promise<Instruction[]>, done: string): Promise<void>;
    say(text: string, kind?: 'error' | 'ok' | ''): void;
    /** Where the treasury says its decision records live (http base), if it says. */
    recordsBase: string | null;
};

/** "1.5 SOL" or "1.5 <mint…>" in the asset's own decimals. */
export function amountText(loaded: Loaded, asset: Address, amount: bigint): string {
    if (asset === SOL_ASSET) return `${lamportsToSol(amount)} SOL`;
    const decimals = loaded.decimals.get(asset);
    return decimals === undefined ? `${amount} base units of ${asset.slice(0, 6)}…` : `${lamportsToSol(amount, decimals)} ${asset.slice(0, 6)}…`;
}

const input = (selector: string) => (document.querySelector(selector) as HTMLInputElement).value;
const day = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString().slice(0, 16).replace('T', ' ');

export function renderGrants(page: Page) {
    const { loaded } = page;
    const mine = (grant: Grant) => page.account?.address === grant.donor;
    const rows = loaded.grants.map(({ address: grant, data }) => {
        const l = data.ledger;
        const remaining = l.funded - l.released - l.spent - l.clawedBack;
        const available = vested(data.schedule, l.funded, loaded.now) - l.released - l.spent;
        const money = (amount: bigint) => amountText(loaded, data.asset, amount);
        const expired = loaded.now >= data.expiresAt;
        const actions = !mine(data)
            ? ''
            : remaining === 0n
              ? `<button class="close-grant" data-grant="${grant}">Close (rent back to you)</button>`
              : expired
                ? `<button class="claw-back" data-grant="${grant}">Claw back ${esc(money(remaining))}</button>`
                : `<input class="top-up-amount" size="6" value="0.1"> <button class="top-up" data-grant="${grant}">Top up</button>`;
        return `<tr class="grant" data-id="${data.grantId}" data-grant="${grant}">
            <td>#${data.grantId} from <span class="mono">${data.donor}</span>${
                data.payees.length ? `<br>only for ${data.payees.map((p) => `<span class="mono">${p}</span>`).join(', ')}` : ''
            }${when(optionValue(data.perTxCap) !== undefined, `<br>at most ${esc(money(optionValue(data.perTxCap) ?? 0n))} a payment`)}</td>
            <td>${scheduleSvg(data.schedule, l.funded, data.createdAt, data.expiresAt, money, loaded.now)}<br><span class="schedule-text">${esc(describeSchedule(data.schedule))}</span></td>
            <td class="ledger">funded <b class="funded">${esc(money(l.funded))}</b><br>released ${esc(money(l.released))}<br>spent ${esc(money(l.spent))}<br>
                clawed back <b class="clawed-back">${esc(money(l.clawedBack))}</b><br>in escrow ${esc(money(remaining))}, ${esc(money(available > 0n ? available : 0n))} vested and due</td>
            <td>${expired ? '<strong>expired</strong> ' : ''}${day(data.expiresAt)}<p>${actions}</p></td></tr>`;
    });
    section('grants', 'Grants', `${rows.length
        ? `<table><tr><th>grant</th><th>schedule</th><th>ledger</th><th>expires</th></tr>${rows.join('')}</table>`
        : '<p>No grants.</p>'}${page.account ? fundForm(page) : '<p>Connect a wallet (above) to fund a grant.</p>'}`);
    bindGrantActions(page);
    if (page.account) bindFundForm(page);
}

function bindGrantActions(page: Page) {
    const grantOf = (button: HTMLElement) => {
        const found = page.loaded.grants.find((grant) => grant.address === button.dataset.grant);
        if (!found) throw new Error('that grant is gone: reload the page');
        return found;
    };
    document.querySelectorAll<HTMLButtonElement>('button.top-up').forEach((button) =>
        button.addEventListener('click', () => {
            const { address: grant, data } = grantOf(button);
            const text = (button.previousElementSibling as HTMLInputElement).value;
            void page.transact(async (signer) => {
                const amount = parseAmount(text, await decimalsOf(page, data.asset), data.asset === SOL_ASSET ? 'SOL' : 'tokens');
                return topUpGrant(page.rpc, signer, grant, data, amount);
            }, `grant #${data.grantId} topped up by ${text}`);
        }),
    );
    document.querySelectorAll<HTMLButtonElement>('button.claw-back').forEach((button) =>
        button.addEventListener('click', () => {
            const { address: grant, data } = grantOf(button);
            void page.transact((signer) => clawBackGrant(page.rpc, signer, grant, data), `grant #${data.grantId} clawed back`);
        }),
    );
    document.querySelectorAll<HTMLButtonElement>('button.close-grant').forEach((button) =>
        button.addEventListener('click', () => {
            const { address: grant, data } = grantOf(button);
            void page.transact((signer) => closeGrant(page.rpc, signer, grant, data, page.loaded.vault), `grant #${data.grantId} closed`);
        }),
    );
}

async function decimalsOf(page: Page, asset: Address): Promise<number> {
    if (asset === SOL_ASSET) return 9;
    return page.loaded.decimals.get(asset) ?? (await mintInfo(page.rpc, asset)).decimals;
}

function nextGrantId(page: Page): bigint {
    const ids = page.loaded.grants.filter(({ data }) => data.donor === page.account?.address).map(({ data }) => data.grantId);
    return ids.reduce((max, id) => (id >= max ? id + 1n : max), 1n);
}

function fundForm(page: Page): string {
    const tokens = page.loaded.policies.map(({ data }) => data.asset).filter((asset) => asset !== SOL_ASSET);
    return `<form id="fund-grant"><h3>Fund a grant (#${nextGrantId(page)})</h3>
        <p>The money waits in the grant's own escrow and reaches the agent only as it vests; after expiry
        you take back what is left.</p>
        <label>Asset <select id="grant-asset"><option value="${SOL_ASSET}">SOL</option>${tokens
            .map((mint) => `<option value="${mint}">${mint}</option>`)
            .join('')}<option value="other">other mint…</option></select></label>
        <input id="grant-mint" placeholder="mint address" size="44" hidden>
        <label>Amount <input id="grant-amount" value="0.5" size="8"></label>
        <label>Schedule <select id="grant-kind"><option value="Immediate">immediate</option><option value="Linear">linear</option><option value="Tranches">tranches</option></select></label>
        <span id="grant-linear" hidden><label>from <input id="grant-start" value="+0d" size="16"></label> <label>to <input id="grant-end" value="+30d" size="16"></label></span>
        <label id="grant-tranches-label" hidden>Tranches <input id="grant-tranches" value="+7d 50%, +30d 50%" size="40"></label>
        <br><label>Only for these payees (optional, up to ${MAX_GRANT_PAYEES}) <input id="grant-payees" size="60" placeholder="addresses, comma separated"></label>
        <label>at most <input id="grant-cap" size="6" placeholder="no cap"> a payment</label>
        <br><label>Expires <input id="grant-expiry" value="+60d" size="16"></label>
        <small>dates as 2027-01-31, 2027-01-31T12:00 (UTC) or +7d, +12h, +90s</small>
        <div id="grant-preview"></div>
        <button id="fund">Fund grant</button></form>`;
}

/** The form's terms, checked like the program checks them (so a mistake is named before signing). */
async function readTerms(page: Page): Promise<GrantTerms> {
    const now = page.loaded.now;
    const assetChoice = input('#grant-asset');
    const asset = assetChoice === 'other' ? address(input('#grant-mint').trim()) : (assetChoice as Address);
    const token = asset === SOL_ASSET ? undefined : await mintInfo(page.rpc, asset);
    const amount = parseAmount(input('#grant-amount'), token?.decimals ?? 9, token ? 'tokens' : 'SOL');
    const kind = input('#grant-kind');
    const schedule: Schedule =
        kind === 'Linear'
            ? { __kind: 'Linear', start: parseMoment(input('#grant-start'), now), end: parseMoment(input('#grant-end'), now) }
            : kind === 'Tranches'
              ? parseTranches(input('#grant-tranches'), now)
              : { __kind: 'Immediate' };
    const problem = scheduleProblem(schedule);
    if (problem) throw new Error(problem);
    const payees = input('#grant-payees').split(/[\s,]+/).filter(Boolean).map((text) => address(text));
    if (payees.length > MAX_GRANT_PAYEES) throw new Error(`at most ${MAX_GRANT_PAYEES} payees`);
    if (new Set(payees).size !== payees.length) throw new Error('a payee is named twice');
    const capText = input('#grant-cap').trim();
    const perTxCap = capText ? parseAmount(capText, token?.decimals ?? 9, token ? 'tokens' : 'SOL') : null;
    if (perTxCap !== null && payees.length === 0) throw new Error('a per-payment cap needs named payees');
    const expiresAt = parseMoment(input('#grant-expiry'), now);
    if (expiresAt <= now) throw new Error('the expiry must be in the future');
    return { grantId: nextGrantId(page), amount, schedule, payees, perTxCap, expiresAt, token };
}

function bindFundForm(page: Page) {
    const form = document.querySelector<HTMLFormElement>('#fund-grant')!;
    const preview = document.querySelector<HTMLDivElement>('#grant-preview')!;
    const update = async () => {
        const kind = input('#grant-kind');
        document.querySelector<HTMLElement>('#grant-linear')!.hidden = kind !== 'Linear';
        document.querySelector<HTMLElement>('#grant-tranches-label')!.hidden = kind !== 'Tranches';
        document.querySelector<HTMLElement>('#grant-mint')!.hidden = input('#grant-asset') !== 'other';
        try {
            const terms = await readTerms(page);
            const asset = terms.token?.mint ?? SOL_ASSET;
            const money = (amount: bigint) => amountText(page.loaded, asset, amount);
            preview.className = 'preview';
            preview.innerHTML = `${scheduleSvg(terms.schedule, terms.amount, page.loaded.now, terms.expiresAt, money, page.loaded.now)}
                <p>${esc(money(terms.amount))}: ${esc(describeSchedule(terms.schedule))}; expires ${day(terms.expiresAt)}</p>`;
        } catch (error) {
            preview.className = 'preview error';
            preview.textContent = (error as Error).message;
        }
    };
    form.addEventListener('input', () => void update());
    form.addEventListener('submit', (event) => {
        event.preventDefault();
        void page.transact(async (signer) => createGrant(signer, page.loaded.address, await readTerms(page)), `grant #${nextGrantId(page)} funded`);
    });
    void update();
}
