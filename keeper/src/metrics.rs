//! Prometheus metrics, kept in-process and served as text exposition on `/metrics`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Inference latency buckets, seconds.
const LATENCY_BUCKETS: [f64; 8] = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 1.0];

/// (metric, sorted labels)
type CounterKey = (&'static str, Vec<(&'static str, String)>);

#[derive(Default)]
struct Registry {
    counters: BTreeMap<CounterKey, u64>,
    gauges: BTreeMap<&'static str, f64>,
    latency_buckets: [u64; LATENCY_BUCKETS.len()],
    latency_count: u64,
    latency_sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    registry: Mutex<Registry>,
}

const HELP: [(&str, &str, &str); 7] = [
    ("covenant_keeper_decisions_total", "counter", "Decisions by candidate kind and verdict."),
    ("covenant_keeper_refusals_total", "counter", "Proposals the guard refused, by reason."),
    ("covenant_keeper_transactions_total", "counter", "Transaction outcomes (landed, failed, expired, retried)."),
    ("covenant_keeper_ticks_total", "counter", "Ticks by outcome (ok, observe_failed)."),
    ("covenant_keeper_open_intents", "gauge", "Transactions sent but not yet settled."),
    ("covenant_keeper_config_changes_queued", "gauge", "Loosening config changes waiting out the timelock."),
    ("covenant_keeper_inference_seconds", "histogram", "Model inference latency per tick (one batch)."),
];

impl Metrics {
    pub fn count(&self, metric: &'static str, labels: &[(&'static str, &str)]) {
        if let Ok(mut registry) = self.registry.lock() {
            let mut labels: Vec<(&'static str, String)> =
                labels.iter().map(|(name, value)| (*name, (*value).to_string())).collect();
            labels.sort();
            *registry.counters.entry((metric, labels)).or_default() += 1;
        }
    }

    pub fn set_gauge(&self, metric: &'static str, value: f64) {
        if let Ok(mut registry) = self.registry.lock() {
            registry.gauges.insert(metric, value);
        }
    }

    pub fn observe_inference(&self, seconds: f64) {
        if let Ok(mut registry) = self.registry.lock() {
            for (bucket, bound) in registry.latency_buckets.iter_mut().zip(LATENCY_BUCKETS) {
                if seconds <= bound {
                    *bucket += 1;
                }
            }
            registry.latency_count += 1;
            registry.latency_sum += seconds;
        }
    }

    /// A counter's value (0 if never counted), for reports and tests.
    pub fn counter(&self, metric: &'static str, labels: &[(&'static str, &str)]) -> u64 {
        let mut labels: Vec<(&'static str, String)> =
            labels.iter().map(|(name, value)| (*name, (*value).to_string())).collect();
        labels.sort();
        self.registry.lock().ok().and_then(|registry| registry.counters.get(&(metric, labels)).copied()).unwrap_or(0)
    }

    pub fn render(&self) -> String {
        let Ok(registry) = self.registry.lock() else {
            return String::new();
        };
        let mut out = String::new();
        for (name, kind, help) in HELP {
            out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            for ((metric, labels), value) in registry.counters.iter().filter(|((metric, _), _)| *metric == name) {
                let labels: Vec<String> =
                    labels.iter().map(|(key, value)| format!("{key}=\"{}\"", value.replace('"', "'"))).collect();
                out.push_str(&format!("{metric}{{{}}} {value}\n", labels.join(",")));
            }
            if let Some(value) = registry.gauges.get(name) {
                out.push_str(&format!("{name} {value}\n"));
            }
            if kind == "histogram" {
                for (bound, count) in LATENCY_BUCKETS.iter().zip(registry.latency_buckets) {
                    out.push_str(&format!("{name}_bucket{{le=\"{bound}\"}} {count}\n"));
                }
                out.push_str(&format!("{name}_bucket{{le=\"+Inf\"}} {}\n", registry.latency_count));
                out.push_str(&format!(
                    "{name}_sum {}\n{name}_count {}\n",
                    registry.latency_sum, registry.latency_count
                ));
            }
        }
        out
    }
}

/// Serves `GET /metrics` until the task is dropped.
pub async fn serve(listener: TcpListener, metrics: std::sync::Arc<Metrics>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else { continue };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            let read = stream.read(&mut request).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&request[..read]);
            let (status, body) = if head.starts_with("GET /metrics") {
                ("200 OK", metrics.render())
            } else {
                ("404 Not Found", "try /metrics\n".to_string())
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}
