//! Prometheus metrics with the Prometheus project's client library (`prometheus-client`: its
//! registry, label escaping and exposition), served by axum on `/metrics`, with `/healthz` saying
//! whether the last tick succeeded.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

/// Inference latency buckets, seconds.
const LATENCY_BUCKETS: [f64; 8] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1.0];

type Labels = Vec<(String, String)>;
type GaugeF64 = Gauge<f64, AtomicU64>;

const COUNTERS: [(&str, &str); 4] = [
    ("covenant_keeper_decisions_total", "Decisions by candidate kind and verdict"),
    ("covenant_keeper_refusals_total", "Proposals the guard refused, by reason"),
    ("covenant_keeper_transactions_total", "Transaction outcomes (landed, failed, expired, retried)"),
    ("covenant_keeper_ticks_total", "Ticks by outcome (ok, observe_failed)"),
];

const GAUGES: [(&str, &str); 9] = [
    ("covenant_keeper_open_intents", "Transactions sent but not yet settled"),
    ("covenant_keeper_config_changes_queued", "Loosening config changes waiting out the timelock"),
    (
        "covenant_keeper_marker_alarms",
        "Payment schedules whose exactly-once marker is ahead of them (a stolen keeper key)",
    ),
    ("covenant_keeper_proof_read_seconds", "Time the last tick spent reading claim proofs"),
    ("covenant_keeper_last_successful_tick_timestamp_seconds", "Chain time of the last tick that completed"),
    ("covenant_keeper_fee_payer_lamports", "Lamports of the keeper's fee-paying key"),
    ("covenant_keeper_vault_balance", "Vault balance by asset, base units (SOL: spendable lamports)"),
    ("covenant_keeper_paused", "Treasuries kept by this process that are paused (1 or 0 for a single treasury)"),
    ("covenant_keeper_treasuries", "Treasuries kept by this process (its shard of the fleet)"),
];

/// Health as `/healthz` reports it.
const STARTING: u8 = 0;
const HEALTHY: u8 = 1;
const UNHEALTHY: u8 = 2;

pub struct Metrics {
    registry: Mutex<Registry>,
    counters: HashMap<&'static str, Family<Labels, Counter>>,
    gauges: HashMap<&'static str, Family<Labels, GaugeF64>>,
    inference: Histogram,
    health: AtomicU8,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let mut counters = HashMap::new();
        for (name, help) in COUNTERS {
            let family = Family::<Labels, Counter>::default();
            // The library appends `_total` to counters itself.
            registry.register(name.trim_end_matches("_total"), help, family.clone());
            counters.insert(name, family);
        }
        let mut gauges = HashMap::new();
        for (name, help) in GAUGES {
            let family = Family::<Labels, GaugeF64>::default();
            registry.register(name, help, family.clone());
            gauges.insert(name, family);
        }
        let inference = Histogram::new(LATENCY_BUCKETS);
        registry.register(
            "covenant_keeper_inference_seconds",
            "Model inference latency per tick (one batch)",
            inference.clone(),
        );
        let build = Info::new(vec![("version".to_string(), env!("CARGO_PKG_VERSION").to_string())]);
        registry.register("covenant_keeper_build", "The keeper's version", build);
        Self { registry: Mutex::new(registry), counters, gauges, inference, health: AtomicU8::new(STARTING) }
    }
}

fn labels(pairs: &[(&'static str, &str)]) -> Labels {
    let mut labels: Labels = pairs.iter().map(|(name, value)| ((*name).to_string(), (*value).to_string())).collect();
    labels.sort();
    labels
}

impl Metrics {
    pub fn count(&self, metric: &'static str, pairs: &[(&'static str, &str)]) {
        if let Some(family) = self.counters.get(metric) {
            family.get_or_create(&labels(pairs)).inc();
        }
    }

    pub fn set_gauge(&self, metric: &'static str, value: f64) {
        self.set_labeled_gauge(metric, &[], value);
    }

    pub fn set_labeled_gauge(&self, metric: &'static str, pairs: &[(&'static str, &str)], value: f64) {
        if let Some(family) = self.gauges.get(metric) {
            family.get_or_create(&labels(pairs)).set(value);
        }
    }

    pub fn observe_inference(&self, seconds: f64) {
        self.inference.observe(seconds);
    }

    /// A tick completed (`Some(chain time)`) or failed (`None`).
    pub fn tick_finished(&self, now: Option<i64>) {
        match now {
            Some(now) => {
                self.set_gauge("covenant_keeper_last_successful_tick_timestamp_seconds", now as f64);
                self.health.store(HEALTHY, Ordering::Relaxed);
            }
            None => self.health.store(UNHEALTHY, Ordering::Relaxed),
        }
    }

    /// A counter's value (0 if never counted), for reports and tests.
    pub fn counter(&self, metric: &'static str, pairs: &[(&'static str, &str)]) -> u64 {
        self.counters.get(metric).map_or(0, |family| family.get_or_create(&labels(pairs)).get())
    }

    /// The exposition (OpenMetrics text).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock() {
            let _ = encode(&mut out, &registry);
        }
        out
    }

    /// (HTTP status, body) for `/healthz`.
    fn health(&self) -> (axum::http::StatusCode, &'static str) {
        match self.health.load(Ordering::Relaxed) {
            HEALTHY => (axum::http::StatusCode::OK, "ok\n"),
            UNHEALTHY => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "the last tick failed\n"),
            _ => (axum::http::StatusCode::SERVICE_UNAVAILABLE, "starting: no tick yet\n"),
        }
    }
}

/// Serves `GET /metrics` and `GET /healthz` (and whatever `more` routes: the decision records)
/// until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, more: Option<axum::Router>) {
    use axum::routing::get;
    let exposition = metrics.clone();
    let router = axum::Router::new()
        .route(
            "/metrics",
            get(move || {
                let metrics = exposition.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        metrics.render(),
                    )
                }
            }),
        )
        .route(
            "/healthz",
            get(move || {
                let metrics = metrics.clone();
                async move { metrics.health() }
            }),
        );
    let router = match more {
        Some(more) => router.merge(more),
        None => router,
    };
    if let Err(error) = axum::serve(listener, router).await {
        tracing::warn!(%error, "metrics server stopped");
    }
}
