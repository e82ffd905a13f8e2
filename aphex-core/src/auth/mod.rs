//! Better Auth's formats, byte for byte, so rows written by aphex-rs and by a Better Auth 1.7
//! TypeScript app are interchangeable (verified against Better Auth's own code by
//! `tests/better_auth_vectors.rs` and by the interop test in `interop/better-auth`):
//!
//! - passwords: `"<salt hex>:<key hex>"`, scrypt(NFKC(password), salt = the 32 hex characters as
//!   ASCII, N = 16384, r = 16, p = 1, 64-byte key) — [`password`];
//! - session cookies: `token.base64(HMAC-SHA256(secret, token))`, URL-encoded — [`cookie`];
//! - API keys: stored as base64url-no-pad(SHA-256(key)), `start` = the first 6 characters —
//!   [`api_key`];
//! - ids and tokens: 32 random `[A-Za-z0-9]` characters — [`random`].

pub mod api_key;
pub mod cookie;
pub mod password;
pub mod random;
