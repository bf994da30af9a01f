//! The agents' door: an MCP server (the official Rust SDK, `rmcp`) over stdio or Streamable HTTP,
//! whose tools call the same core as the CLI (`agent`). Over HTTP each agent sends its bearer
//! token; the server keeps only the tokens' SHA-256 and compares them in constant time, refuses
//! oversized bodies before parsing them, and listens on loopback unless the config says otherwise
//! (TLS belongs to a reverse proxy in front of it; see the README).

mod server;

use std::sync::Arc;

use anyhow::Context;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::tower::StreamableHttpService;
use rmcp::transport::StreamableHttpServerConfig;
use rmcp::ServiceExt;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use server::CovenantMcp;

use crate::agent::{Agent, AgentCore};
use crate::config::McpConfig;

/// Serves one agent over stdin and `out` (the real stdout, detached from fd 1 by
/// `setup::detach_stdout` before anything could print to it) until the client disconnects.
pub async fn serve_stdio(core: Arc<AgentCore>, agent: Agent, out: Option<std::fs::File>) -> anyhow::Result<()> {
    let server = CovenantMcp::new(core, Some(agent));
    let service = match out {
        Some(out) => server.serve((tokio::io::stdin(), tokio::fs::File::from_std(out))).await,
        None => server.serve(rmcp::transport::stdio()).await,
    }
    .context("MCP over stdio")?;
    service.waiting().await.context("MCP over stdio")?;
    Ok(())
}

/// The agents that may connect over HTTP: each token's SHA-256 with its agent.
#[derive(Clone)]
pub struct Tokens(Arc<Vec<([u8; 32], Agent)>>);

impl Tokens {
    pub fn new(agents: Vec<([u8; 32], Agent)>) -> Self {
        Self(Arc::new(agents))
    }

    /// The agent whose token this is. Every entry is compared (in constant time), so the answer
    /// takes as long whichever agent, if any, the token belongs to.
    fn agent(&self, token: &str) -> Option<Agent> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let mut found = None;
        for (expected, agent) in self.0.iter() {
            if bool::from(expected.ct_eq(&hash)) {
                found = Some(agent.clone());
            }
        }
        found
    }
}

/// The HTTP router: `/mcp` (Streamable HTTP), behind the bearer check and the body limit.
pub fn router(core: Arc<AgentCore>, tokens: Tokens, config: &McpConfig) -> axum::Router {
    let mut hosts = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    hosts.extend(config.allowed_hosts.iter().cloned());
    let settings = StreamableHttpServerConfig::default()
        .with_allowed_hosts(hosts)
        .with_max_request_body_bytes(config.max_body_bytes)
        .with_sse_keep_alive(None);
    let service: StreamableHttpService<CovenantMcp, LocalSessionManager> =
        StreamableHttpService::new(move || Ok(CovenantMcp::new(core.clone(), None)), Default::default(), settings);
    let limit = config.max_body_bytes;
    axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state((tokens, limit), guard))
}

/// 401 without a known bearer token, 413 over the body limit; otherwise the agent rides along in
/// the request's extensions, where the tools find it.
async fn guard(State((tokens, limit)): State<(Tokens, usize)>, request: Request, next: Next) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim);
    let Some(agent) = token.and_then(|token| tokens.agent(token)) else {
        return rpc_error(
            StatusCode::UNAUTHORIZED,
            -32001,
            "unauthorized: send Authorization: Bearer <this agent's token>",
        );
    };
    let (mut parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return rpc_error(StatusCode::PAYLOAD_TOO_LARGE, -32600, &format!("request body over {limit} bytes"));
        }
    };
    parts.extensions.insert(agent);
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn rpc_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}});
    let json = [(header::CONTENT_TYPE, "application/json")];
    let mut response = (status, json, body.to_string()).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
    }
    response
}

/// Serves HTTP on `listener` until `shutdown` resolves.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await.context("MCP over HTTP")
}

/// A new bearer token and the SHA-256 the config keeps (`mcp-token`).
pub fn new_token() -> (String, String) {
    let token = format!("cov_{}", hex::encode(rand::random::<[u8; 24]>()));
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    (token, hash)
}

/// `token_sha256` from the config, as bytes.
pub fn token_hash(hex_text: &str) -> Option<[u8; 32]> {
    hex::decode(hex_text).ok()?.try_into().ok()
}
