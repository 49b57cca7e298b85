//! Who may do what (DESIGN.md "Server, web interface, security"): the roles and what each may
//! do, account names and passwords (Argon2id), API tokens (random secrets, stored as a hash),
//! and login throttling. No I/O except through `AccessBackend`; the clock is passed in.

mod accounts;
mod roles;
mod throttle;

pub use accounts::{
    AccessError, Authenticated, add_account, authenticate, check_password_rules, create_token,
    hash_password, set_password, token_account, token_hash,
};
pub use roles::{Permission, Role};
pub use throttle::Throttle;
