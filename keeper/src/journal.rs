//! The decision log: one JSON object per line, on disk before anything is sent (see `append` for
//! which lines wait for the disk). It is both the report (every decision with its features, scores,
//! verdict and hash) and the keeper's journal: an `intent` line holds the signed transaction before
//! it is sent, an `outcome` line settles it. After a crash, `open_intents` lists what was in
//! flight; resending the very same signed bytes can never pay twice (same signature), and once its
//! blockhash has expired it can never land, so the action may be decided afresh.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("decision log {path}: {detail}")]
    Io { path: String, detail: String },
    #[error("decision log {path}, line {line}: {detail}")]
    Corrupt { path: String, line: usize, detail: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    /// Landed on chain: the key is done.
    Landed,
    /// The program refused it: the key may be decided again.
    Failed,
    /// Its blockhash expired unsent or unlanded: the key may be decided again.
    Expired,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Entry {
    Decision(Box<serde_json::Value>),
    Intent {
        key: String,
        signature: String,
        transaction: String,
    },
    Outcome {
        key: String,
        signature: String,
        settlement: Settlement,
        detail: Option<String>,
    },
    /// What an agent was answered for a request key: a retry gets the same answer.
    Answer {
        key: String,
        answer: serde_json::Value,
    },
}

/// An intent without its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenIntent {
    pub key: String,
    pub signature: String,
    /// Base64 of the bincode-serialized signed transaction.
    pub transaction: String,
}

pub struct Journal {
    path: PathBuf,
    file: File,
    /// Landed keys and their transactions.
    landed: HashMap<String, String>,
    open: HashMap<String, OpenIntent>,
    answers: HashMap<String, serde_json::Value>,
}

impl Journal {
    /// Opens (or creates) the log and replays it.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let shown = path.display().to_string();
        let io = |error: std::io::Error| JournalError::Io { path: shown.clone(), detail: error.to_string() };
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // One keeper per journal: the lock is held for as long as this journal is open (the
        // operating system drops it with the process), so a second process fails here at once.
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(JournalError::Io {
                    path: shown,
                    detail: "in use by another keeper process (one keeper per decision log: give each its own loop.decision_log)".into(),
                })
            }
            Err(std::fs::TryLockError::Error(error)) => return Err(io(error)),
        }
        let mut landed = HashMap::new();
        let mut open = HashMap::new();
        let mut answers = HashMap::new();
        {
            let reader = BufReader::new(File::open(path).map_err(io)?);
            for (index, line) in reader.lines().enumerate() {
                let line = line.map_err(io)?;
                if line.trim().is_empty() {
                    continue;
                }
                let entry: Entry = serde_json::from_str(&line).map_err(|error| JournalError::Corrupt {
                    path: shown.clone(),
                    line: index + 1,
                    detail: error.to_string(),
                })?;
                match entry {
                    Entry::Decision(_) => {}
                    Entry::Intent { key, signature, transaction } => {
                        open.insert(key.clone(), OpenIntent { key, signature, transaction });
                    }
                    Entry::Outcome { key, signature, settlement, .. } => {
                        if open.get(&key).is_some_and(|intent| intent.signature == signature) {
                            open.remove(&key);
                        }
                        if settlement == Settlement::Landed {
                            landed.insert(key, signature);
                        }
                    }
                    Entry::Answer { key, answer } => {
                        answers.insert(key, answer);
                    }
                }
            }
        }
        Ok(Self { path: path.to_path_buf(), file, landed, open, answers })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keys that must not be decided again: landed, or still in flight.
    pub fn settled_or_open(&self) -> HashSet<String> {
        self.landed.keys().cloned().chain(self.open.keys().cloned()).collect()
    }

    pub fn open_intents(&self) -> Vec<OpenIntent> {
        let mut intents: Vec<OpenIntent> = self.open.values().cloned().collect();
        intents.sort_by(|a, b| a.key.cmp(&b.key));
        intents
    }

    pub fn is_landed(&self, key: &str) -> bool {
        self.landed.contains_key(key)
    }

    /// The transaction that landed `key`, if one did.
    pub fn landed_signature(&self, key: &str) -> Option<&str> {
        self.landed.get(key).map(String::as_str)
    }

    /// Whether `key` is in flight (signed and sent, not yet settled).
    pub fn is_open(&self, key: &str) -> bool {
        self.open.contains_key(key)
    }

    /// What an agent was answered for `key`, if anything final was.
    pub fn answer(&self, key: &str) -> Option<&serde_json::Value> {
        self.answers.get(key)
    }

    /// Records the final answer for an agent's request key (on disk at the next sync).
    pub fn record_answer(&mut self, key: &str, answer: serde_json::Value) -> Result<(), JournalError> {
        self.append(&Entry::Answer { key: key.into(), answer: answer.clone() }, false)?;
        self.answers.insert(key.into(), answer);
        Ok(())
    }

    /// Appends `entry`; `durable` waits for the disk. Only intents need that: a decision line sits
    /// before its intent in the same file, so the intent's sync covers it; a lost outcome is found
    /// again by restart reconciliation (the signature's status); everything else is synced at the end
    /// of the tick ([`Journal::sync`]).
    fn append(&mut self, entry: &Entry, durable: bool) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(entry)
            .map_err(|error| JournalError::Io { path: self.path.display().to_string(), detail: error.to_string() })?;
        line.push('\n');
        let io = |error: std::io::Error| JournalError::Io {
            path: self.path.display().to_string(),
            detail: error.to_string(),
        };
        self.file.write_all(line.as_bytes()).map_err(io)?;
        if durable {
            // Durable before the transaction leaves the machine: that is what makes a restart safe.
            self.file.sync_data().map_err(io)?;
        }
        Ok(())
    }

    /// Waits for everything appended so far to reach the disk.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        self.file
            .sync_data()
            .map_err(|error| JournalError::Io { path: self.path.display().to_string(), detail: error.to_string() })
    }

    pub fn decision(&mut self, record: serde_json::Value) -> Result<(), JournalError> {
        self.append(&Entry::Decision(Box::new(record)), false)
    }

    /// A batch of intents, on disk (one sync for all of them) before any of them is sent.
    pub fn intents(&mut self, batch: Vec<OpenIntent>) -> Result<(), JournalError> {
        for intent in batch {
            let entry = Entry::Intent {
                key: intent.key.clone(),
                signature: intent.signature.clone(),
                transaction: intent.transaction.clone(),
            };
            self.append(&entry, false)?;
            self.open.insert(intent.key.clone(), intent);
        }
        self.sync()
    }

    pub fn intent(&mut self, intent: OpenIntent) -> Result<(), JournalError> {
        self.append(
            &Entry::Intent {
                key: intent.key.clone(),
                signature: intent.signature.clone(),
                transaction: intent.transaction.clone(),
            },
            true,
        )?;
        self.open.insert(intent.key.clone(), intent);
        Ok(())
    }

    pub fn outcome(
        &mut self,
        key: &str,
        signature: &str,
        settlement: Settlement,
        detail: Option<String>,
    ) -> Result<(), JournalError> {
        self.append(&Entry::Outcome { key: key.into(), signature: signature.into(), settlement, detail }, false)?;
        if self.open.get(key).is_some_and(|intent| intent.signature == signature) {
            self.open.remove(key);
        }
        if settlement == Settlement::Landed {
            self.landed.insert(key.into(), signature.into());
        }
        Ok(())
    }
}

/// Reads every `decision` record of a log (for reports and tests).
pub fn read_decisions(path: &Path) -> Result<Vec<serde_json::Value>, JournalError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| JournalError::Io { path: path.display().to_string(), detail: error.to_string() })?;
    let mut decisions = Vec::new();
    for (index, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let entry: Entry = serde_json::from_str(line).map_err(|error| JournalError::Corrupt {
            path: path.display().to_string(),
            line: index + 1,
            detail: error.to_string(),
        })?;
        if let Entry::Decision(record) = entry {
            decisions.push(*record);
        }
    }
    Ok(decisions)
}
