//! Better Auth API keys: `prefix` + 64 random letters, stored only as
//! base64url-no-pad(SHA-256(key)), shown as `start` (the first 6 characters).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::random::letters;

/// Random letters after the prefix.
pub const KEY_LENGTH: usize = 64;
/// Characters of the plaintext kept as `start`.
pub const START_LENGTH: usize = 6;

/// A new plaintext key.
pub fn generate(prefix: Option<&str>) -> String {
    format!("{}{}", prefix.unwrap_or(""), letters(KEY_LENGTH))
}

/// What is stored and looked up: base64url-no-pad(SHA-256(plaintext)).
pub fn hash(plaintext: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(plaintext.as_bytes()))
}

/// The first characters of the plaintext, kept for display.
pub fn start(plaintext: &str) -> String {
    plaintext.chars().take(START_LENGTH).collect()
}
