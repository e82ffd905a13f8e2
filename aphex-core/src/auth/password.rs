//! Better Auth's password hash: `"<salt hex>:<key hex>"` with scrypt(NFKC(password), salt = the
//! 32 hex characters as ASCII bytes, N = 16384, r = 16, p = 1, 64-byte key). Verification compares
//! in constant time.

use scrypt::Params;
use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;

use super::random::hex_salt;
use crate::error::{Error, Result};

const LOG_N: u8 = 14;
const R: u32 = 16;
const P: u32 = 1;
const KEY_LEN: usize = 64;

fn derive(password: &str, salt: &str) -> Result<[u8; KEY_LEN]> {
    let params = Params::new(LOG_N, R, P).map_err(|e| Error::backend("scrypt", e.to_string()))?;
    let normalized: String = password.nfkc().collect();
    let mut key = [0u8; KEY_LEN];
    scrypt::scrypt(normalized.as_bytes(), salt.as_bytes(), &params, &mut key)
        .map_err(|e| Error::backend("scrypt", e.to_string()))?;
    Ok(key)
}

/// Hashes with a given salt (32 hex characters). Deterministic; for tests and vectors.
///
/// # Errors
/// Only if scrypt rejects its fixed parameters (never in practice).
pub fn hash_with_salt(password: &str, salt: &str) -> Result<String> {
    Ok(format!("{salt}:{}", hex::encode(derive(password, salt)?)))
}

/// Hashes with a fresh random salt. CPU- and memory-heavy (32 MiB): call it off the async
/// executor (the auth service uses `spawn_blocking`).
///
/// # Errors
/// As [`hash_with_salt`].
pub fn hash(password: &str) -> Result<String> {
    hash_with_salt(password, &hex_salt())
}

/// Whether `password` matches a stored `"<salt>:<key>"` hash. A malformed hash never matches.
///
/// # Errors
/// As [`hash_with_salt`].
pub fn verify(stored: &str, password: &str) -> Result<bool> {
    let Some((salt, key_hex)) = stored.split_once(':') else {
        return Ok(false);
    };
    let Ok(expected) = hex::decode(key_hex) else {
        return Ok(false);
    };
    let actual = derive(password, salt)?;
    Ok(expected.len() == KEY_LEN && bool::from(actual.as_slice().ct_eq(&expected)))
}
