//! Fetching a claim's proof: `file://` inside the configured proofs directory, `https://` (plain
//! `http://` only to loopback, for tests and local gateways), `ipfs://` through the configured
//! gateway. Every read stops at the byte limit and the time limit; redirects are not followed (a
//! redirect could leave loopback or the gateway).

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::AsyncReadExt;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URI itself is not allowed: nothing was fetched, and retrying cannot help.
    #[error("{0}")]
    Refused(String),
    #[error("more than {limit} bytes")]
    TooLarge { limit: u64 },
    /// Down, missing or slow: worth another try on a later tick.
    #[error("{0}")]
    Unreachable(String),
}

pub struct Fetcher {
    client: reqwest::Client,
    dir: Option<PathBuf>,
    gateway: Option<String>,
    max_bytes: u64,
    timeout: Duration,
}

impl Fetcher {
    pub fn new(dir: Option<PathBuf>, gateway: Option<String>, max_bytes: u64, timeout: Duration) -> Self {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("covenant-keeper/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        let gateway = gateway.map(|gateway| gateway.trim_end_matches('/').to_string());
        Self { client, dir, gateway, max_bytes, timeout }
    }

    /// The fetcher `[proofs]` describes; `base` resolves a relative `dir` (the config's folder).
    pub fn for_proofs(config: &crate::config::ProofConfig, base: &std::path::Path) -> Self {
        let dir = config.dir.as_deref().map(|dir| if dir.is_absolute() { dir.to_path_buf() } else { base.join(dir) });
        Self::new(dir, config.ipfs_gateway.clone(), config.max_bytes, Duration::from_secs(config.timeout_seconds))
    }

    pub async fn fetch(&self, uri: &str) -> Result<Vec<u8>, FetchError> {
        if let Some(path) = uri.strip_prefix("file://") {
            return tokio::time::timeout(self.timeout, self.file(path))
                .await
                .unwrap_or_else(|_| Err(FetchError::Unreachable("timed out reading the file".into())));
        }
        if let Some(rest) = uri.strip_prefix("ipfs://") {
            let gateway = self.gateway.as_ref().ok_or_else(|| refused("ipfs:// needs proofs.ipfs_gateway"))?;
            if rest.is_empty() || rest.contains("..") || rest.contains(['?', '#']) {
                return Err(refused("not an ipfs://CID[/path] URI"));
            }
            return self.http(&format!("{gateway}/ipfs/{rest}")).await;
        }
        if uri.starts_with("https://") {
            return self.http(uri).await;
        }
        if uri.starts_with("http://") {
            let url = reqwest::Url::parse(uri).map_err(|error| refused(&format!("bad URL: {error}")))?;
            let loopback = match url.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(name)) => name == "localhost",
                None => false,
            };
            if !loopback {
                return Err(refused("plain http:// is only allowed to loopback; use https://"));
            }
            return self.http(uri).await;
        }
        Err(refused("unsupported scheme (file://, https://, ipfs://)"))
    }

    async fn file(&self, path: &str) -> Result<Vec<u8>, FetchError> {
        let dir = self.dir.as_ref().ok_or_else(|| refused("file:// needs proofs.dir"))?;
        let root = tokio::fs::canonicalize(dir)
            .await
            .map_err(|error| FetchError::Unreachable(format!("proofs.dir {}: {error}", dir.display())))?;
        let joined = root.join(path.trim_start_matches('/'));
        let joined = if std::path::Path::new(path).is_absolute() { PathBuf::from(path) } else { joined };
        // Symlinks and `..` are resolved first, so the check sees where the path really goes.
        let real = tokio::fs::canonicalize(&joined).await.map_err(|error| match joined.starts_with(&root) {
            true => FetchError::Unreachable(format!("{error}")),
            false => refused("path escapes the proofs directory"),
        })?;
        if !real.starts_with(&root) {
            return Err(refused("path escapes the proofs directory"));
        }
        // A FIFO or device would block or never end; a directory is no photo.
        let metadata = tokio::fs::metadata(&real).await.map_err(|error| FetchError::Unreachable(error.to_string()))?;
        if !metadata.is_file() {
            return Err(refused("not a regular file"));
        }
        if metadata.len() > self.max_bytes {
            return Err(FetchError::TooLarge { limit: self.max_bytes });
        }
        let file = tokio::fs::File::open(&real).await.map_err(|error| FetchError::Unreachable(error.to_string()))?;
        let mut bytes = Vec::new();
        file.take(self.max_bytes + 1)
            .read_to_end(&mut bytes)
            .await
            .map_err(|error| FetchError::Unreachable(error.to_string()))?;
        if bytes.len() as u64 > self.max_bytes {
            return Err(FetchError::TooLarge { limit: self.max_bytes });
        }
        Ok(bytes)
    }

    async fn http(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let unreachable = |error: reqwest::Error| {
            let what = if error.is_timeout() { "timed out".to_string() } else { without_url(error) };
            FetchError::Unreachable(what)
        };
        let mut response = self.client.get(url).send().await.map_err(unreachable)?;
        if !response.status().is_success() {
            return Err(FetchError::Unreachable(format!("HTTP {}", response.status())));
        }
        if response.content_length().is_some_and(|length| length > self.max_bytes) {
            return Err(FetchError::TooLarge { limit: self.max_bytes });
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if (bytes.len() + chunk.len()) as u64 > self.max_bytes {
                return Err(FetchError::TooLarge { limit: self.max_bytes });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

fn refused(why: &str) -> FetchError {
    FetchError::Refused(why.to_string())
}

/// reqwest's message without the URL (the claim's URI is logged next to it already).
fn without_url(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}
