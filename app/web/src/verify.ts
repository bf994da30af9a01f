// Recomputes a decision hash in the browser from one line of the keeper's decision log. The keeper
// hashes the compact JSON of the line's `input` exactly as written, so the raw text of that object
// is hashed here, not a re-serialization (which could print numbers differently).

/** The raw text of the value of `"input"` at the top level of a JSON line. */
export function rawInput(line: string): string {
    const parsed = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || !('input' in parsed)) {
        throw new Error('not a decision line: it has no "input"');
    }
    let depth = 0;
    let inString = false;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (inString) {
            if (c === '\\') i++;
            else if (c === '"') inString = false;
            continue;
        }
        if (c === '"') {
            if (depth === 1 && line.startsWith('"input":', i)) return valueAt(line, i + '"input":'.length);
            inString = true;
        } else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') depth--;
    }
    throw new Error('not a decision line: no top-level "input"');
}

function valueAt(line: string, start: number): string {
    let depth = 0;
    let inString = false;
    for (let i = start; i < line.length; i++) {
        const c = line[i];
        if (inString) {
            if (c === '\\') i++;
            else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
            depth--;
            if (depth === 0) return line.slice(start, i + 1);
        }
    }
    throw new Error('the decision line is cut short');
}

export async function decisionHash(line: string): Promise<{ computed: string; logged: string | undefined }> {
    const input = rawInput(line);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(input));
    const computed = [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    return { computed, logged: JSON.parse(line).decision_hash };
}
