//! Login throttling: after `FREE_ATTEMPTS` failures for one account name or from one address
//! within `WINDOW`, further attempts are refused until the window has passed since the last
//! failure. Kept in memory: a restart forgives, which is acceptable next to Argon2id's cost.

use std::collections::HashMap;
use std::time::{Duration, Instant};

pub const FREE_ATTEMPTS: u32 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Bounds the memory an attacker can make the table use; the oldest entries go first.
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct Throttle {
    failures: HashMap<String, (u32, Instant)>,
}

impl Throttle {
    /// How long the caller must wait before trying any of `keys` (name, address) again; None
    /// when they may try now.
    pub fn wait(&self, keys: &[&str], now: Instant) -> Option<Duration> {
        keys.iter()
            .filter_map(|k| self.failures.get(*k))
            .filter(|(count, _)| *count >= FREE_ATTEMPTS)
            .filter_map(|(_, last)| WINDOW.checked_sub(now.saturating_duration_since(*last)))
            .filter(|d| !d.is_zero())
            .max()
    }

    pub fn failed(&mut self, keys: &[&str], now: Instant) {
        if self.failures.len() >= MAX_ENTRIES {
            self.failures
                .retain(|_, (_, last)| now.saturating_duration_since(*last) < WINDOW);
        }
        for key in keys {
            let entry = self.failures.entry((*key).to_owned()).or_insert((0, now));
            if now.saturating_duration_since(entry.1) >= WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
            entry.1 = now;
        }
    }

    pub fn succeeded(&mut self, keys: &[&str]) {
        for key in keys {
            self.failures.remove(*key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_a_window_waits_and_the_window_forgives() {
        let mut t = Throttle::default();
        let start = Instant::now();
        for _ in 0..FREE_ATTEMPTS {
            assert_eq!(t.wait(&["user:amina", "ip:10.0.0.1"], start), None);
            t.failed(&["user:amina", "ip:10.0.0.1"], start);
        }
        assert!(t.wait(&["user:amina"], start).is_some());
        assert!(t.wait(&["ip:10.0.0.1"], start).is_some());
        assert_eq!(t.wait(&["user:other"], start), None);
        assert_eq!(t.wait(&["user:amina"], start + WINDOW), None);
        t.succeeded(&["user:amina"]);
        assert_eq!(t.wait(&["user:amina"], start), None);
    }
}
