// Covenant's TypeScript client: everything Codama generates from idl/covenant.json (accounts,
// instructions, PDAs, errors, types), and the decoder of the program's CPI events.
export * from './generated';
export { COVENANT_EVENTS } from './eventTable';
export * from './events';
export * from './claimCode';
