//! Addresses in the config, parsed once when it is read (`deserialize_with` helpers): base58
//! public keys, and assets ("SOL", any case, or a mint's address). A bad one is a config error on
//! the line that holds it.

use anchor_lang::prelude::Pubkey;
use serde::{Deserialize, Deserializer};

use super::{parse_asset, parse_pubkey};

pub fn pubkey<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Pubkey, D::Error> {
    parse_pubkey(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

pub fn pubkeys<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Pubkey>, D::Error> {
    let texts = Vec::<String>::deserialize(deserializer)?;
    texts.iter().map(|text| parse_pubkey(text).map_err(serde::de::Error::custom)).collect()
}

pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Pubkey>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| parse_pubkey(&text).map_err(serde::de::Error::custom))
        .transpose()
}

pub fn asset<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Pubkey, D::Error> {
    parse_asset(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
}

pub fn optional_asset<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Pubkey>, D::Error> {
    Option::<String>::deserialize(deserializer)?
        .map(|text| parse_asset(&text).map_err(serde::de::Error::custom))
        .transpose()
}

/// A key as base58 text both ways (files the keeper writes and reads back).
pub mod base58 {
    use anchor_lang::prelude::Pubkey;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(key: &Pubkey, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(key)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Pubkey, D::Error> {
        super::pubkey(deserializer)
    }
}
