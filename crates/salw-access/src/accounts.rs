//! Accounts and tokens over `AccessBackend`.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use salw_store::{AccessBackend, Account, ApiToken, StoreError};

use crate::roles::Role;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// A rule about what was given (field, reason).
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("password hashing: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AccessError {
    AccessError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; passphrases are
/// encouraged by asking for a little more).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Argon2 hashes anything, but a megabyte of password is an attack on the server's time.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// Names: 1 to 64 of a-z, 0-9, `.`, `_`, `-`, starting with a letter (they appear in the audit
/// trail and in URLs).
fn check_name(name: &str) -> Result<(), AccessError> {
    let ok_start = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    if name.is_empty() || name.len() > 64 {
        return Err(invalid("name", "must be 1 to 64 characters"));
    }
    if !ok_start
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    {
        return Err(invalid(
            "name",
            "use lower-case letters, digits, '.', '_' and '-', starting with a letter",
        ));
    }
    Ok(())
}

pub fn check_password_rules(password: &str) -> Result<(), AccessError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(
            "password",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(invalid(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// Argon2id with the crate's defaults (19 MiB, 2 passes, 1 lane: the OWASP recommendation).
pub fn hash_password(password: &str) -> Result<String, AccessError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccessError::Hash(e.to_string()))
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn add_account<B: AccessBackend>(
    backend: &mut B,
    name: &str,
    role: Role,
    password: &str,
    created_by: &str,
    now: &str,
) -> Result<Account, AccessError> {
    check_name(name)?;
    check_password_rules(password)?;
    let account = Account {
        name: name.to_owned(),
        role: role.as_str().to_owned(),
        password_hash: hash_password(password)?,
        created_at: now.to_owned(),
        created_by: created_by.to_owned(),
        disabled: false,
    };
    if !backend.insert_account(&account)? {
        return Err(invalid(
            "name",
            format!("an account '{name}' exists already"),
        ));
    }
    Ok(account)
}

pub fn set_password<B: AccessBackend>(
    backend: &mut B,
    name: &str,
    password: &str,
) -> Result<(), AccessError> {
    check_password_rules(password)?;
    let hash = hash_password(password)?;
    if !backend.update_account(name, None, Some(&hash), None)? {
        return Err(invalid("name", format!("there is no account '{name}'")));
    }
    Ok(())
}

/// Who a request is made by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub name: String,
    pub role: Role,
}

impl Authenticated {
    fn from_account(account: &Account) -> Result<Self, AccessError> {
        let role = account.role.parse::<Role>().map_err(|reason| {
            AccessError::Store(StoreError::Corrupt(format!(
                "account {}: {reason}",
                account.name
            )))
        })?;
        Ok(Authenticated {
            name: account.name.clone(),
            role,
        })
    }
}

/// Checks a name and password. None for an unknown name, a wrong password or a disabled
/// account, without saying which. An unknown name costs the same time as a known one.
pub fn authenticate<B: AccessBackend>(
    backend: &mut B,
    name: &str,
    password: &str,
) -> Result<Option<Authenticated>, AccessError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Ok(None);
    }
    let account = backend.account(name)?;
    match account {
        Some(a) if verify_password(&a.password_hash, password) && !a.disabled => {
            Ok(Some(Authenticated::from_account(&a)?))
        }
        Some(_) => Ok(None),
        None => {
            // Spend the time a real check would, so that timing does not tell names apart.
            let _ = verify_password(dummy_hash(), password);
            Ok(None)
        }
    }
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
}

/// API token secrets are 32 random bytes: far beyond guessing, so a fast hash (BLAKE3) is the
/// right way to store them (a slow password hash protects guessable secrets).
pub fn token_hash(secret: &str) -> String {
    blake3::hash(secret.as_bytes()).to_hex().to_string()
}

/// Creates a token for `account` and returns its secret (shown once, never stored).
pub fn create_token<B: AccessBackend>(
    backend: &mut B,
    account: &str,
    label: &str,
    now: &str,
) -> Result<(String, ApiToken), AccessError> {
    if backend.account(account)?.is_none() {
        return Err(invalid(
            "account",
            format!("there is no account '{account}'"),
        ));
    }
    let label = label.trim();
    if label.chars().count() > 100 {
        return Err(invalid("label", "must be at most 100 characters"));
    }
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = format!("salw_{}", hex::encode(bytes));
    let token = ApiToken {
        hash: token_hash(&secret),
        prefix: secret[..13].to_owned(),
        account: account.to_owned(),
        label: label.to_owned(),
        created_at: now.to_owned(),
        revoked: false,
    };
    backend.insert_token(&token)?;
    Ok((secret, token))
}

/// Who holds this token secret: None for an unknown or revoked token, or a disabled account.
pub fn token_account<B: AccessBackend>(
    backend: &mut B,
    secret: &str,
) -> Result<Option<Authenticated>, AccessError> {
    if !secret.starts_with("salw_") || secret.len() > 100 {
        return Ok(None);
    }
    let Some(token) = backend.token(&token_hash(secret))? else {
        return Ok(None);
    };
    if token.revoked {
        return Ok(None);
    }
    match backend.account(&token.account)? {
        Some(a) if !a.disabled => Ok(Some(Authenticated::from_account(&a)?)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use salw_store_sqlite::SqliteBackend;

    fn backend() -> (tempfile::TempDir, SqliteBackend) {
        let dir = tempfile::tempdir().expect("tempdir");
        let b = SqliteBackend::open(&dir.path().join("r.db"), true).expect("open");
        (dir, b)
    }

    #[test]
    fn a_password_is_stored_as_argon2id_and_only_the_right_one_logs_in() {
        let (_d, mut b) = backend();
        let a = add_account(
            &mut b,
            "amina",
            Role::Investigator,
            "correct horse",
            "admin",
            "t",
        )
        .expect("add");
        assert!(
            a.password_hash.starts_with("$argon2id$"),
            "{}",
            a.password_hash
        );
        assert!(!a.password_hash.contains("correct horse"));
        let who = authenticate(&mut b, "amina", "correct horse").expect("auth");
        assert_eq!(who.map(|w| w.role), Some(Role::Investigator));
        assert_eq!(
            authenticate(&mut b, "amina", "wrong horse!").expect("auth"),
            None
        );
        assert_eq!(
            authenticate(&mut b, "nobody", "correct horse").expect("auth"),
            None
        );
        b.update_account("amina", None, None, Some(true))
            .expect("disable");
        assert_eq!(
            authenticate(&mut b, "amina", "correct horse").expect("auth"),
            None
        );
    }

    #[test]
    fn names_and_passwords_are_checked_with_the_field_named() {
        let (_d, mut b) = backend();
        let e = add_account(
            &mut b,
            "Amina Root",
            Role::Analyst,
            "long enough pw",
            "x",
            "t",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("name:"), "{e}");
        let e = add_account(&mut b, "amina", Role::Analyst, "short", "x", "t").unwrap_err();
        assert!(e.to_string().starts_with("password:"), "{e}");
        add_account(&mut b, "amina", Role::Analyst, "long enough pw", "x", "t").expect("add");
        let e =
            add_account(&mut b, "amina", Role::Auditor, "long enough pw", "x", "t").unwrap_err();
        assert!(e.to_string().contains("exists already"), "{e}");
    }

    #[test]
    fn a_token_works_until_revoked_and_only_its_hash_is_stored() {
        let (_d, mut b) = backend();
        add_account(&mut b, "etl", Role::Registrar, "long enough pw", "x", "t").expect("add");
        let (secret, token) = create_token(&mut b, "etl", "nightly import", "t").expect("token");
        assert_ne!(token.hash, secret);
        assert_eq!(
            token_account(&mut b, &secret)
                .expect("lookup")
                .map(|a| a.name),
            Some("etl".to_owned())
        );
        assert_eq!(token_account(&mut b, "salw_00").expect("lookup"), None);
        assert!(b.revoke_token("etl", &token.prefix).expect("revoke"));
        assert_eq!(token_account(&mut b, &secret).expect("lookup"), None);
    }
}
