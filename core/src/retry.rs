//! When and how long to wait before trying a call again.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// How failed calls are retried.
///
/// Retried failures: connection errors, timeouts, HTTP 500/502/503/504, and 429 (waiting the
/// server's `Retry-After` when it is no longer than [`RetryPolicy::max_retry_after`]). Which calls
/// are retried depends on whether repeating them is safe: reads, upserts and `post_comment`
/// (which always carries a `unique_temp_id` that the server deduplicates on) are; calls that create
/// something (`create_room`, system events, exports, imports) are repeated only when the
/// connection was never made, so the server cannot have seen them.
///
/// Waits use full-jitter exponential backoff: a random delay in
/// `0..=min(max_delay, base_delay * 2^attempt)`. A retry budget shared by all clones of a client
/// (a token bucket, as in gRPC's retry throttling) stops retries when most recent calls fail, so a
/// server in trouble is not hammered.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 turns retrying off). Default 2.
    pub max_retries: u32,
    /// Base of the exponential backoff. Default 100 ms.
    pub base_delay: Duration,
    /// Cap of one backoff wait. Default 2 s.
    pub max_delay: Duration,
    /// Longest `Retry-After` the client waits for; a longer one is returned as
    /// [`crate::Error::RateLimited`] at once. Default 10 s.
    pub max_retry_after: Duration,
    /// Size of the retry budget in tokens: each retryable failure takes one, each success gives
    /// back [`RetryPolicy::budget_ratio`], and retries stop while fewer than half remain.
    /// Default 100: bursts of failures from many concurrent tasks still get retried, while a
    /// server that fails everything sees at most ~50 retries before they stop.
    pub budget_tokens: u32,
    /// Tokens a success gives back: the share of extra load retries may add. Default 0.5: in the
    /// long run retries continue while failures stay under about a third of all attempts.
    pub budget_ratio: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(10),
            budget_tokens: 100,
            budget_ratio: 0.5,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The full-jitter wait before retry number `retry` (0-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX));
        let ceiling = exp.min(self.max_delay);
        ceiling.mul_f64(rand::random::<f64>())
    }
}

/// A token bucket in thousandths of a token, shared by the clones of one client.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    milli_tokens: AtomicI64,
    max: i64,
    refill: i64,
}

impl RetryBudget {
    pub(crate) fn new(tokens: u32, ratio: f64) -> Self {
        let max = i64::from(tokens) * 1000;
        RetryBudget {
            milli_tokens: AtomicI64::new(max),
            max,
            refill: (ratio.clamp(0.0, 1.0) * 1000.0) as i64,
        }
    }

    /// A call succeeded: give back `ratio` of a token.
    pub(crate) fn on_success(&self) {
        let _ = self
            .milli_tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some((t + self.refill).min(self.max))
            });
    }

    /// An attempt failed in a retryable way: take a token and say whether a retry is allowed.
    pub(crate) fn try_spend(&self) -> bool {
        let after = self
            .milli_tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some((t - 1000).max(0))
            })
            .map(|before| (before - 1000).max(0))
            .unwrap_or(0);
        after > self.max / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_by_cap() {
        let p = RetryPolicy::default();
        for retry in 0..40 {
            assert!(p.backoff(retry) <= p.max_delay);
        }
        assert!(p.backoff(0) <= p.base_delay);
    }

    #[test]
    fn budget_stops_retries_when_most_calls_fail() {
        let b = RetryBudget::new(10, 0.5);
        let allowed = (0..20).filter(|_| b.try_spend()).count();
        assert_eq!(allowed, 4, "10 tokens, stop at half: 9,8,7,6 allowed");
        assert!(!b.try_spend());
        for _ in 0..14 {
            b.on_success();
        }
        assert!(b.try_spend(), "successes refill the bucket");
    }
}
