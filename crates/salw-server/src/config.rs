//! The server's settings: a TOML file, then `SALW_*` environment variables over it, then the
//! command line over both (the caller applies that). Secrets never appear in `Debug` output.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The registry: a file, or a `postgres://` URL (docs/postgresql.md).
    pub db: Option<PathBuf>,
    /// The node's signing key file (default: the registry file's name with `.key`).
    pub key_file: Option<PathBuf>,
    pub listen: SocketAddr,
    /// Set when the server is reached over HTTPS (through a reverse proxy): cookies then carry
    /// `Secure`.
    pub secure_cookies: bool,
    /// A session ends after this many hours without a request.
    pub session_idle_hours: u64,
    /// A session looks at its account again after this many seconds, so that an account
    /// disabled or changed outside this server (`salw user`) loses its sessions.
    pub session_recheck_seconds: u64,
    /// The largest request body accepted (imports are the large ones).
    pub max_body_mb: u64,
    /// Creates the account `admin` with this password when the registry has no account yet
    /// (for unattended installs); otherwise a one-time password is printed.
    pub admin_password: Option<String>,
    /// The outbox waits this long before the first retry of a message a partner did not take,
    /// then twice as long after each failure (docs/federation.md).
    pub federation_retry_first_ms: u64,
    /// The longest wait between two attempts.
    pub federation_retry_max_seconds: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: None,
            key_file: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: false,
            session_idle_hours: 8,
            session_recheck_seconds: 30,
            max_body_mb: 64,
            admin_password: None,
            federation_retry_first_ms: 2000,
            federation_retry_max_seconds: 3600,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            // A database URL may hold a password: never logged.
            .field(
                "db",
                &self
                    .db
                    .as_ref()
                    .map(|db| salw_store_any::redact(&db.to_string_lossy())),
            )
            .field("key_file", &self.key_file)
            .field("listen", &self.listen)
            .field("secure_cookies", &self.secure_cookies)
            .field("session_idle_hours", &self.session_idle_hours)
            .field("session_recheck_seconds", &self.session_recheck_seconds)
            .field("max_body_mb", &self.max_body_mb)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "[redacted]"),
            )
            .field("federation_retry_first_ms", &self.federation_retry_first_ms)
            .field(
                "federation_retry_max_seconds",
                &self.federation_retry_max_seconds,
            )
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {reason}")]
    File { path: String, reason: String },
    #[error("{variable}: {reason}")]
    Variable { variable: String, reason: String },
}

impl Config {
    /// Reads `file` when given, then applies `SALW_*` variables from `env`.
    pub fn load(
        file: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::File {
                    path: path.display().to_string(),
                    reason: e.to_string().trim_end().to_owned(),
                })?
            }
            None => Config::default(),
        };
        for (variable, value) in env {
            let bad = |reason: String| ConfigError::Variable {
                variable: variable.clone(),
                reason,
            };
            match variable.as_str() {
                "SALW_DATABASE" => config.db = Some(value.into()),
                "SALW_KEY_FILE" => config.key_file = Some(value.into()),
                "SALW_LISTEN" => {
                    config.listen = value
                        .parse()
                        .map_err(|e| bad(format!("'{value}' is not an address:port ({e})")))?
                }
                "SALW_SECURE_COOKIES" => {
                    config.secure_cookies = parse_bool(&value)
                        .ok_or_else(|| bad(format!("'{value}' is not true or false")))?
                }
                "SALW_SESSION_IDLE_HOURS" => {
                    config.session_idle_hours = value
                        .parse()
                        .map_err(|_| bad(format!("'{value}' is not a whole number of hours")))?
                }
                "SALW_SESSION_RECHECK_SECONDS" => {
                    config.session_recheck_seconds = value
                        .parse()
                        .map_err(|_| bad(format!("'{value}' is not a whole number of seconds")))?
                }
                "SALW_MAX_BODY_MB" => {
                    config.max_body_mb = value
                        .parse()
                        .map_err(|_| bad(format!("'{value}' is not a whole number of megabytes")))?
                }
                "SALW_ADMIN_PASSWORD" => config.admin_password = Some(value),
                "SALW_FEDERATION_RETRY_FIRST_MS" => {
                    config.federation_retry_first_ms = value.parse().map_err(|_| {
                        bad(format!("'{value}' is not a whole number of milliseconds"))
                    })?
                }
                "SALW_FEDERATION_RETRY_MAX_SECONDS" => {
                    config.federation_retry_max_seconds = value
                        .parse()
                        .map_err(|_| bad(format!("'{value}' is not a whole number of seconds")))?
                }
                _ => {}
            }
        }
        Ok(config)
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_override_the_file_and_secrets_are_redacted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("salw.toml");
        std::fs::write(
            &path,
            "db = \"a.db\"\nlisten = \"0.0.0.0:9000\"\nadmin_password = \"s3cret-value\"\n",
        )
        .expect("write");
        let env = [("SALW_LISTEN".to_owned(), "127.0.0.1:9100".to_owned())];
        let c = Config::load(Some(&path), env.into_iter()).expect("load");
        assert_eq!(c.db, Some(PathBuf::from("a.db")));
        assert_eq!(c.listen.port(), 9100);
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(shown.contains("[redacted]"));
        // A database URL's password is not shown either.
        std::fs::write(
            &path,
            "db = \"postgres://salw:db-s3cret@db.example/salw\"\n",
        )
        .expect("write");
        let c = Config::load(Some(&path), std::iter::empty()).expect("load");
        let shown = format!("{c:?}");
        assert!(!shown.contains("db-s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://salw:***@db.example/salw"),
            "{shown}"
        );

        std::fs::write(&path, "listen = 8080\n").expect("write");
        let e = Config::load(Some(&path), std::iter::empty()).unwrap_err();
        assert!(e.to_string().contains("listen"), "{e}");
        std::fs::write(&path, "colour = \"red\"\n").expect("write");
        let e = Config::load(Some(&path), std::iter::empty()).unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let env = [("SALW_SECURE_COOKIES".to_owned(), "perhaps".to_owned())];
        let e = Config::load(None, env.into_iter()).unwrap_err();
        assert!(e.to_string().starts_with("SALW_SECURE_COOKIES"), "{e}");
    }
}
