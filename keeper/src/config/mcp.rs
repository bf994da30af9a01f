//! `[mcp]`: the agents' door. Which agents may connect, with which bearer token (stored as its
//! SHA-256, never the token), to which treasuries and tools, how often; where the HTTP server
//! listens (loopback unless told otherwise; TLS belongs to a reverse proxy in front of it).

use anchor_lang::prelude::Pubkey;
use serde::Deserialize;

/// Every tool the server offers. None of them changes a policy, a key or a payee.
pub const TOOLS: [&str; 8] = [
    "treasury_status",
    "check_payment",
    "request_payment",
    "request_status",
    "pay_for_call",
    "list_claims",
    "create_bounty",
    "request_swap",
];

/// What an agent may call unless its `tools` say otherwise: all but opening bounties and swapping,
/// which the operator enables per agent.
pub const DEFAULT_TOOLS: [&str; 6] =
    ["treasury_status", "check_payment", "request_payment", "request_status", "pay_for_call", "list_claims"];

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpConfig {
    /// Where `mcp --http` listens. Anything but a loopback address also needs `allow_remote`.
    #[serde(default = "default_bind")]
    pub bind: String,
    /// Serve on a non-loopback address (behind a TLS-terminating reverse proxy).
    #[serde(default)]
    pub allow_remote: bool,
    /// Host names the HTTP server answers to besides loopback (DNS-rebinding protection).
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// The largest JSON-RPC request body accepted over HTTP.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
    #[serde(default, rename = "agent")]
    pub agents: Vec<AgentConfig>,
}

impl Default for McpConfig {
    fn default() -> Self {
        Self {
            bind: default_bind(),
            allow_remote: false,
            allowed_hosts: Vec::new(),
            max_body_bytes: default_max_body_bytes(),
            agents: Vec::new(),
        }
    }
}

/// `[[mcp.agent]]`: one agent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    /// Names the agent in decisions and answers: lower-case letters, digits, '-' and '_'.
    pub id: String,
    /// SHA-256 (hex) of its bearer token, for HTTP (`covenant-keeper mcp-token` makes a pair).
    pub token_sha256: Option<String>,
    /// Treasuries it may use (addresses); none: the config's own treasury.
    #[serde(default, deserialize_with = "super::address::pubkeys")]
    pub treasuries: Vec<Pubkey>,
    /// Tools it may call (default: all but `create_bounty`).
    #[serde(default = "default_tools")]
    pub tools: Vec<String>,
    /// Tool calls per minute.
    #[serde(default = "default_rate")]
    pub requests_per_minute: u32,
}

fn default_bind() -> String {
    "127.0.0.1:8765".into()
}

fn default_max_body_bytes() -> usize {
    64 * 1024
}

fn default_tools() -> Vec<String> {
    DEFAULT_TOOLS.iter().map(|tool| tool.to_string()).collect()
}

fn default_rate() -> u32 {
    60
}

impl McpConfig {
    pub(super) fn validate(&self) -> Result<(), String> {
        let addr: std::net::SocketAddr = self
            .bind
            .parse()
            .map_err(|_| format!("mcp.bind: {:?} is not an address like 127.0.0.1:8765", self.bind))?;
        if !addr.ip().is_loopback() && !self.allow_remote {
            return Err(format!(
                "mcp.bind: {addr} is not loopback: set mcp.allow_remote = true (and put a TLS proxy in front)"
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err("mcp.max_body_bytes: at least 1024".into());
        }
        let mut ids = std::collections::HashSet::new();
        for (i, agent) in self.agents.iter().enumerate() {
            let at = format!("mcp.agent[{i}]");
            let id_ok = !agent.id.is_empty()
                && agent.id.len() <= 32
                && agent.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
            if !id_ok || !ids.insert(agent.id.as_str()) {
                return Err(format!("{at}.id: {:?}: unique, 1-32 of a-z, 0-9, '-', '_'", agent.id));
            }
            if let Some(hash) = &agent.token_sha256 {
                if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("{at}.token_sha256: 64 hex digits (SHA-256 of the token)"));
                }
            }
            if let Some(tool) = agent.tools.iter().find(|tool| !TOOLS.contains(&tool.as_str())) {
                return Err(format!("{at}.tools: {tool:?} is not a tool (one of {})", TOOLS.join(", ")));
            }
            if agent.requests_per_minute == 0 {
                return Err(format!("{at}.requests_per_minute: must be positive"));
            }
        }
        Ok(())
    }
}
