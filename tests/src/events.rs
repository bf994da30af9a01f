//! Decoding Anchor CPI events from a transaction's inner instructions.

use anchor_lang::event::EVENT_IX_TAG_LE;
use anchor_lang::{AnchorDeserialize, Discriminator, Event};
use solana_message::inner_instruction::InnerInstructions;
use solana_transaction::Transaction;

/// Event payloads (discriminator + Borsh) that Covenant emitted, in order.
#[derive(Debug, Default)]
pub struct Events(Vec<Vec<u8>>);

impl Events {
    pub fn from_inner_instructions(tx: &Transaction, inner: Vec<InnerInstructions>) -> Self {
        let keys = &tx.message.account_keys;
        let payloads = inner
            .into_iter()
            .flatten()
            .filter(|ix| keys.get(ix.instruction.program_id_index as usize) == Some(&covenant::ID))
            .filter_map(|ix| ix.instruction.data.strip_prefix(EVENT_IX_TAG_LE).map(<[u8]>::to_vec))
            .collect();
        Self(payloads)
    }

    pub fn all<E: Event + AnchorDeserialize + Discriminator>(&self) -> Vec<E> {
        self.0
            .iter()
            .filter_map(|payload| payload.strip_prefix(E::DISCRIMINATOR))
            .map(|mut body| E::deserialize(&mut body).expect("event decodes"))
            .collect()
    }

    /// The one event of type `E`; panics when there is none or more than one.
    pub fn one<E: Event + AnchorDeserialize + Discriminator>(&self) -> E {
        let mut found = self.all::<E>();
        assert_eq!(found.len(), 1, "expected exactly one {}", std::any::type_name::<E>());
        found.remove(0)
    }

    /// Each event's discriminator and Borsh body, in order (what an indexer folds).
    pub fn payloads(&self) -> &[Vec<u8>] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
