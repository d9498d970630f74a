//! Fault injection: configuration, parsing and the per-request draw.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Probabilities of injected faults on `/api` requests.
///
/// Each request draws once; the outcomes are tried in the order
/// 500, 503, 429, drop_before, drop_after, latency (their probabilities add up,
/// capped at 1). The `/_emulator` admin paths are never subject to faults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Probability of answering 500 Internal Server Error.
    pub error_500: f64,
    /// Probability of answering 503 Service Unavailable.
    pub error_503: f64,
    /// Probability of answering 429 Too Many Requests (with `Retry-After`).
    pub rate_limit_429: f64,
    /// Value of the `Retry-After` header on 429 answers, in seconds (default 1).
    pub retry_after_secs: u64,
    /// Probability of delaying the request by `latency_ms` before handling it.
    pub latency: f64,
    /// Delay added when the latency fault fires, in milliseconds.
    pub latency_ms: u64,
    /// Probability of closing the connection before handling (no state change, no response).
    pub drop_before: f64,
    /// Probability of closing the connection after handling (state changed, no response).
    pub drop_after: f64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            error_500: 0.0,
            error_503: 0.0,
            rate_limit_429: 0.0,
            retry_after_secs: 1,
            latency: 0.0,
            latency_ms: 0,
            drop_before: 0.0,
            drop_after: 0.0,
        }
    }
}

impl Faults {
    /// True when no fault can fire.
    pub fn is_none(&self) -> bool {
        self.error_500 <= 0.0
            && self.error_503 <= 0.0
            && self.rate_limit_429 <= 0.0
            && self.drop_before <= 0.0
            && self.drop_after <= 0.0
            && (self.latency <= 0.0 || self.latency_ms == 0)
    }

    fn validate(&self) -> Result<(), ParseFaultsError> {
        for (name, p) in [
            ("500", self.error_500),
            ("503", self.error_503),
            ("429", self.rate_limit_429),
            ("latency", self.latency),
            ("drop_before", self.drop_before),
            ("drop_after", self.drop_after),
        ] {
            if !(0.0..=1.0).contains(&p) || p.is_nan() {
                return Err(ParseFaultsError(format!(
                    "{name}={p}: a probability must be between 0 and 1"
                )));
            }
        }
        Ok(())
    }

    /// Checks that every probability is within 0..=1.
    pub fn check(&self) -> Result<(), ParseFaultsError> {
        self.validate()
    }
}

/// Error returned when a `--faults` spec cannot be parsed; names the bad part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFaultsError(pub String);

impl fmt::Display for ParseFaultsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid fault spec: {}", self.0)
    }
}

impl std::error::Error for ParseFaultsError {}

impl FromStr for Faults {
    type Err = ParseFaultsError;

    /// Parses `500=0.05,503=0.05,429=0.04,drop_before=0.03,drop_after=0.03,latency=0.1,latency_ms=20,retry_after=1`.
    /// An empty spec or `none` means no faults.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut f = Faults::default();
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("none") {
            return Ok(f);
        }
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| ParseFaultsError(format!("`{part}` is not KEY=VALUE")))?;
            let (k, v) = (k.trim(), v.trim());
            let prob = || -> Result<f64, ParseFaultsError> {
                let p: f64 = v
                    .parse()
                    .map_err(|_| ParseFaultsError(format!("`{part}`: `{v}` is not a number")))?;
                if !(0.0..=1.0).contains(&p) {
                    return Err(ParseFaultsError(format!(
                        "`{part}`: a probability must be between 0 and 1"
                    )));
                }
                Ok(p)
            };
            let int = || -> Result<u64, ParseFaultsError> {
                v.parse().map_err(|_| {
                    ParseFaultsError(format!("`{part}`: `{v}` is not a non-negative integer"))
                })
            };
            match k {
                "500" | "error_500" => f.error_500 = prob()?,
                "503" | "error_503" => f.error_503 = prob()?,
                "429" | "rate_limit_429" => f.rate_limit_429 = prob()?,
                "latency" => f.latency = prob()?,
                "drop_before" => f.drop_before = prob()?,
                "drop_after" => f.drop_after = prob()?,
                "latency_ms" => f.latency_ms = int()?,
                "retry_after" | "retry_after_secs" => f.retry_after_secs = int()?,
                _ => {
                    return Err(ParseFaultsError(format!(
                        "`{part}`: unknown key `{k}` (expected 500, 503, 429, latency, latency_ms, drop_before, drop_after, retry_after)"
                    )))
                }
            }
        }
        Ok(f)
    }
}

/// Counters of what the emulator did.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Stats {
    /// Requests received on `/api` paths.
    pub requests: u64,
    /// Faults injected (all kinds, including latency).
    pub faults_injected: u64,
    /// Injected 500 answers.
    pub errors_500: u64,
    /// Injected 503 answers.
    pub errors_503: u64,
    /// Injected 429 answers.
    pub rate_limited: u64,
    /// Connections dropped before handling.
    pub dropped_before: u64,
    /// Connections dropped after handling.
    pub dropped_after: u64,
    /// Requests delayed by the latency fault.
    pub delayed: u64,
    /// Webhooks delivered (2xx from the receiver).
    pub webhooks_delivered: u64,
    /// Webhooks that failed after all retries.
    pub webhooks_failed: u64,
}

/// Atomic counters behind [`Stats`].
#[derive(Default, Debug)]
pub(crate) struct StatsCounters {
    pub requests: AtomicU64,
    pub faults_injected: AtomicU64,
    pub errors_500: AtomicU64,
    pub errors_503: AtomicU64,
    pub rate_limited: AtomicU64,
    pub dropped_before: AtomicU64,
    pub dropped_after: AtomicU64,
    pub delayed: AtomicU64,
    pub webhooks_delivered: AtomicU64,
    pub webhooks_failed: AtomicU64,
}

pub(crate) fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl StatsCounters {
    pub fn reset(&self) {
        for c in [
            &self.requests,
            &self.faults_injected,
            &self.errors_500,
            &self.errors_503,
            &self.rate_limited,
            &self.dropped_before,
            &self.dropped_after,
            &self.delayed,
            &self.webhooks_delivered,
            &self.webhooks_failed,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }

    pub fn snapshot(&self) -> Stats {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            requests: g(&self.requests),
            faults_injected: g(&self.faults_injected),
            errors_500: g(&self.errors_500),
            errors_503: g(&self.errors_503),
            rate_limited: g(&self.rate_limited),
            dropped_before: g(&self.dropped_before),
            dropped_after: g(&self.dropped_after),
            delayed: g(&self.delayed),
            webhooks_delivered: g(&self.webhooks_delivered),
            webhooks_failed: g(&self.webhooks_failed),
        }
    }
}

/// What a request's draw decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    None,
    Error500,
    Error503,
    RateLimited(u64),
    DropBefore,
    DropAfter,
    Latency(u64),
}

/// Fault configuration plus the seeded RNG.
pub(crate) struct FaultEngine {
    active: AtomicBool,
    faults: RwLock<Faults>,
    rng: Mutex<StdRng>,
    seed: u64,
}

impl FaultEngine {
    pub fn new(faults: Faults, seed: u64) -> Self {
        FaultEngine {
            active: AtomicBool::new(!faults.is_none()),
            faults: RwLock::new(faults),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            seed,
        }
    }

    /// No faults, and the RNG back at its seed: the same requests draw the same faults again.
    pub fn reset(&self) {
        self.set(Faults::default());
        *self.rng.lock() = StdRng::seed_from_u64(self.seed);
    }

    pub fn set(&self, faults: Faults) {
        let active = !faults.is_none();
        *self.faults.write() = faults;
        self.active.store(active, Ordering::Release);
    }

    pub fn get(&self) -> Faults {
        self.faults.read().clone()
    }

    /// Draws once for a request.
    pub fn draw(&self) -> Outcome {
        if !self.active.load(Ordering::Acquire) {
            return Outcome::None;
        }
        let f = self.faults.read().clone();
        let r: f64 = self.rng.lock().random();
        let mut acc = 0.0;
        let steps = [
            (f.error_500, Outcome::Error500),
            (f.error_503, Outcome::Error503),
            (f.rate_limit_429, Outcome::RateLimited(f.retry_after_secs)),
            (f.drop_before, Outcome::DropBefore),
            (f.drop_after, Outcome::DropAfter),
            (f.latency, Outcome::Latency(f.latency_ms)),
        ];
        for (p, outcome) in steps {
            if p <= 0.0 {
                continue;
            }
            acc += p;
            if r < acc || acc >= 1.0 {
                if let Outcome::Latency(0) = outcome {
                    return Outcome::None;
                }
                return outcome;
            }
        }
        Outcome::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_spec() {
        let f: Faults = "500=0.05,503=0.05,429=0.04,drop_before=0.03,drop_after=0.03,latency=0.1,latency_ms=20,retry_after=2"
            .parse()
            .unwrap();
        assert_eq!(f.error_500, 0.05);
        assert_eq!(f.rate_limit_429, 0.04);
        assert_eq!(f.latency_ms, 20);
        assert_eq!(f.retry_after_secs, 2);
        assert!("".parse::<Faults>().unwrap().is_none());
        let e = "500=2".parse::<Faults>().unwrap_err();
        assert!(e.to_string().contains("500=2"));
        let e = "bogus=0.1".parse::<Faults>().unwrap_err();
        assert!(e.to_string().contains("bogus"));
        let e = "500".parse::<Faults>().unwrap_err();
        assert!(e.to_string().contains("500"));
    }

    #[test]
    fn draw_certain() {
        let e = FaultEngine::new(
            Faults {
                drop_before: 1.0,
                ..Faults::default()
            },
            7,
        );
        for _ in 0..10 {
            assert_eq!(e.draw(), Outcome::DropBefore);
        }
        e.set(Faults::default());
        assert_eq!(e.draw(), Outcome::None);
    }
}
