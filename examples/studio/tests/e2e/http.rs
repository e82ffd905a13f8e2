//! A small client for the studio's API: requests with an API key, a session cookie or nothing,
//! and replies whose status and body the tests assert on.

use reqwest::header::{CONTENT_TYPE, COOKIE, HeaderMap, SET_COOKIE};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// The session cookie's name (Better Auth's).
pub const SESSION_COOKIE: &str = "better-auth.session_token";

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// No credentials.
    None,
    /// `x-api-key: <key>`.
    Key(&'a str),
    /// `cookie: <name=value>`.
    Cookie(&'a str),
}

/// The API at one base URL.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

/// A response, read completely.
#[derive(Debug)]
pub struct Reply {
    pub method: Method,
    pub path: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body as JSON (`Null` when empty or not JSON).
    pub json: Value,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("build an HTTP client"),
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// A request to `path` (which starts with `/`) with `auth`.
    pub fn request(&self, method: Method, path: &str, auth: Auth<'_>) -> RequestBuilder {
        let rb = self.http.request(method, format!("{}{path}", self.base));
        match auth {
            Auth::None => rb,
            Auth::Key(key) => rb.header("x-api-key", key),
            Auth::Cookie(cookie) => rb.header(COOKIE, cookie),
        }
    }

    /// Sends `rb` and reads the whole reply.
    pub async fn send(&self, rb: RequestBuilder) -> Reply {
        self.try_send(rb).await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// Sends `rb` and reads the whole reply, or says why there is none (the connection failed
    /// or broke off: the server died).
    pub async fn try_send(&self, rb: RequestBuilder) -> Result<Reply, String> {
        let request = rb.build().map_err(|e| format!("build the request: {e}"))?;
        let method = request.method().clone();
        let path = request.url().path().to_string();
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("{method} {path}: reading the body: {e}"))?
            .to_vec();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Reply {
            method,
            path,
            status,
            headers,
            bytes,
            json,
        })
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Reply {
        self.send(self.request(Method::GET, path, auth)).await
    }

    pub async fn delete(&self, path: &str, auth: Auth<'_>) -> Reply {
        self.send(self.request(Method::DELETE, path, auth)).await
    }

    /// `method path` with a JSON body.
    pub async fn json(&self, method: Method, path: &str, auth: Auth<'_>, body: &Value) -> Reply {
        self.send(self.request(method, path, auth).json(body)).await
    }

    pub async fn post(&self, path: &str, auth: Auth<'_>, body: &Value) -> Reply {
        self.json(Method::POST, path, auth, body).await
    }

    pub async fn put(&self, path: &str, auth: Auth<'_>, body: &Value) -> Reply {
        self.json(Method::PUT, path, auth, body).await
    }

    pub async fn patch(&self, path: &str, auth: Auth<'_>, body: &Value) -> Reply {
        self.json(Method::PATCH, path, auth, body).await
    }

    /// `POST path` with a raw body declared as JSON (for malformed JSON).
    pub async fn post_raw_json(&self, path: &str, auth: Auth<'_>, body: &str) -> Reply {
        let rb = self
            .request(Method::POST, path, auth)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        self.send(rb).await
    }

    /// `POST path` with a multipart form.
    pub async fn multipart(
        &self,
        path: &str,
        auth: Auth<'_>,
        form: reqwest::multipart::Form,
    ) -> Reply {
        self.send(self.request(Method::POST, path, auth).multipart(form))
            .await
    }

    /// Signs up by email; returns the session cookie (`name=value`) and the body. Asserts the
    /// cookie's attributes.
    pub async fn sign_up(&self, name: &str, email: &str, password: &str) -> (String, Value) {
        let reply = self
            .post(
                "/api/auth/sign-up/email",
                Auth::None,
                &json!({ "name": name, "email": email, "password": password }),
            )
            .await;
        assert!(
            reply.status == StatusCode::OK || reply.status == StatusCode::CREATED,
            "sign-up: {}",
            reply.describe()
        );
        (reply.session_cookie(), reply.json)
    }

    /// Creates an API key with the session `cookie`; returns the plaintext key and its view.
    pub async fn create_key(&self, cookie: &str, body: &Value) -> (String, Value) {
        let reply = self
            .post("/api/auth/api-keys", Auth::Cookie(cookie), body)
            .await;
        let created = reply.ok(201);
        let key = created["key"]
            .as_str()
            .expect("the plaintext key")
            .to_string();
        (key, created["apiKey"].clone())
    }
}

impl Reply {
    /// Status, path and body, for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {} -> {}: {}",
            self.method,
            self.path,
            self.status,
            String::from_utf8_lossy(&self.bytes)
        )
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.describe());
        &self.json
    }

    /// Asserts an error reply: `status`, the body `{"error": {"code", "message", "details"}}`
    /// with exactly those keys, `code`, a non-empty message; returns `details`.
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.describe());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/json"),
            "{}",
            self.describe()
        );
        let body = self.json.as_object().expect("a JSON object body");
        assert_eq!(
            body.len(),
            1,
            "only `error` at the top: {}",
            self.describe()
        );
        let error = body["error"].as_object().expect("`error` is an object");
        let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["code", "details", "message"], "{}", self.describe());
        assert_eq!(error["code"], code, "{}", self.describe());
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}",
            self.describe()
        );
        &self.json["error"]["details"]
    }

    /// The error message (after [`Reply::error`]).
    pub fn message(&self) -> &str {
        self.json["error"]["message"].as_str().unwrap_or_default()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The `Set-Cookie` header of the session cookie.
    #[track_caller]
    pub fn session_set_cookie(&self) -> String {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{SESSION_COOKIE}=")))
            .unwrap_or_else(|| panic!("no session Set-Cookie: {:?}", self.headers))
            .to_string()
    }

    /// The session cookie to send back (`name=value`); asserts its attributes.
    #[track_caller]
    pub fn session_cookie(&self) -> String {
        let set_cookie = self.session_set_cookie();
        let mut parts = set_cookie.split(';').map(str::trim);
        let pair = parts.next().unwrap_or_default().to_string();
        let attributes: Vec<&str> = parts.collect();
        for expected in ["Path=/", "HttpOnly", "SameSite=Lax"] {
            assert!(attributes.contains(&expected), "{expected} in {set_cookie}");
        }
        assert!(
            attributes
                .iter()
                .any(|a| a.strip_prefix("Max-Age=").is_some_and(|s| s != "0")),
            "a Max-Age in {set_cookie}"
        );
        let value = pair
            .strip_prefix(&format!("{SESSION_COOKIE}="))
            .expect("cookie name");
        // Better Auth's signed form: `<token>.<url-encoded base64 HMAC>`.
        let (token, signature) = value.split_once('.').expect("a signed cookie value");
        assert_eq!(token.len(), 32, "{value}");
        assert!(!signature.is_empty(), "{value}");
        pair
    }
}
