//! Better Auth's signed session cookie: `better-auth.session_token=<token>.<signature>` where the
//! signature is base64(HMAC-SHA256(secret, token)) and the whole value is URL-encoded the way
//! JavaScript's `encodeURIComponent` does.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::Sha256;

/// The cookie Better Auth reads the session from (over HTTPS browsers also see
/// `__Secure-better-auth.session_token`).
pub const SESSION_COOKIE: &str = "better-auth.session_token";

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` is escaped.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

fn mac(secret: &str, token: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(token.as_bytes());
    mac
}

/// The cookie value for a session token, URL-encoded as Better Auth sets it.
pub fn sign(secret: &str, token: &str) -> String {
    let signature = STANDARD.encode(mac(secret, token).finalize().into_bytes());
    utf8_percent_encode(&format!("{token}.{signature}"), URI_COMPONENT).to_string()
}

/// The session token in a signed cookie value (URL-encoded or not), if the signature is valid.
/// The signature is checked in constant time.
pub fn verify(secret: &str, value: &str) -> Option<String> {
    let decoded = percent_decode_str(value).decode_utf8().ok()?;
    let (token, signature) = decoded.rsplit_once('.')?;
    let signature = STANDARD.decode(signature).ok()?;
    mac(secret, token).verify_slice(&signature).ok()?;
    Some(token.to_string())
}
