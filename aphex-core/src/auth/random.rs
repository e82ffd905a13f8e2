//! Random ids, tokens and salts from the operating system's CSPRNG (via `rand`'s thread RNG,
//! seeded from the OS).

use rand::RngCore;
use rand::distr::{Alphanumeric, SampleString};

/// Length of Better Auth ids and session tokens.
pub const ID_LENGTH: usize = 32;

/// `len` random characters from `[A-Za-z0-9]` (Better Auth's `generateId`).
pub fn alphanumeric(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

/// A 32-character id for a Better Auth row.
pub fn id() -> String {
    alphanumeric(ID_LENGTH)
}

/// `len` random ASCII letters `[A-Za-z]` (the alphabet of Better Auth API keys).
pub fn letters(len: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| {
            // 52 letters: rejection-sample a byte below 208 (4 * 52) for a uniform choice.
            loop {
                let b = (rng.next_u32() & 0xff) as usize;
                if b < 208 {
                    return LETTERS[b % 52] as char;
                }
            }
        })
        .collect()
}

/// 16 random bytes as 32 lowercase hex characters (a password salt).
pub fn hex_salt() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}
