//! Amazon S3 and S3-compatible servers (feature `s3`): [`S3Config`] and
//! [`ObjectStoreAdapter::s3`].

use std::fmt;
use std::sync::Arc;

use object_store::aws::{AmazonS3Builder, S3ConditionalPut};

use aphex_core::{Error, Result};

use crate::ObjectStoreAdapter;
use crate::error::BACKEND;

/// Where and how to reach an S3 bucket.
///
/// Build it with [`S3Config::new`] and the `with_*` methods, or read it from the environment
/// with [`S3Config::from_env`]. `Debug` does not show the secret key.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Config {
    /// The bucket (it must exist).
    pub bucket: String,
    /// The region, e.g. `us-east-1`. S3-compatible servers usually accept any.
    pub region: String,
    /// The endpoint of an S3-compatible server (`http://127.0.0.1:9000`); `None` for Amazon S3.
    /// Requests go path-style to `<endpoint>/<bucket>/<key>`.
    pub endpoint: Option<String>,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Allow a plain `http://` endpoint (local test servers); otherwise only HTTPS.
    pub allow_http: bool,
    /// Where the files are served from, without the key: `url(path)` is this + `/` + path.
    /// Empty means [`S3Config::default_public_base_url`].
    pub public_base_url: String,
}

impl S3Config {
    /// A bucket on Amazon S3 in `region`, with these credentials and the default public URL.
    pub fn new(
        bucket: impl Into<String>,
        region: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        S3Config {
            bucket: bucket.into(),
            region: region.into(),
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            ..S3Config::default()
        }
    }

    /// Talk to the S3-compatible server at `endpoint` instead of Amazon S3.
    #[must_use]
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Allow (or not) a plain `http://` endpoint.
    #[must_use]
    pub fn with_allow_http(mut self, allow_http: bool) -> Self {
        self.allow_http = allow_http;
        self
    }

    /// Serve files from `url` (a CDN, a proxy route of the app, ...).
    #[must_use]
    pub fn with_public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base_url = url.into();
        self
    }

    /// The public URL used when [`public_base_url`](S3Config::public_base_url) is empty:
    /// `<endpoint>/<bucket>` with an endpoint, else
    /// `https://<bucket>.s3.<region>.amazonaws.com`. Objects are only readable there when the
    /// bucket allows it.
    pub fn default_public_base_url(&self) -> String {
        match &self.endpoint {
            Some(endpoint) => format!("{}/{}", endpoint.trim_end_matches('/'), self.bucket),
            None => format!("https://{}.s3.{}.amazonaws.com", self.bucket, self.region),
        }
    }

    /// Reads the configuration from the environment. Empty variables count as unset.
    ///
    /// | variable | field | when unset |
    /// | --- | --- | --- |
    /// | `APHEX_S3_BUCKET` | `bucket` | error |
    /// | `AWS_REGION`, then `AWS_DEFAULT_REGION` | `region` | `us-east-1` |
    /// | `APHEX_S3_ENDPOINT`, then `AWS_ENDPOINT_URL_S3`, then `AWS_ENDPOINT_URL` | `endpoint` | Amazon S3 |
    /// | `AWS_ACCESS_KEY_ID` | `access_key_id` | error |
    /// | `AWS_SECRET_ACCESS_KEY` | `secret_access_key` | error |
    /// | `APHEX_S3_ALLOW_HTTP` (`true`/`false`/`1`/`0`) | `allow_http` | `false` |
    /// | `APHEX_S3_PUBLIC_URL` | `public_base_url` | [`default_public_base_url`](S3Config::default_public_base_url) |
    ///
    /// Other `AWS_*` variables (session tokens, profiles, instance roles) are not read.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the variable that is missing or invalid.
    pub fn from_env() -> Result<Self> {
        S3Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](S3Config::from_env), for `bucket` whatever `APHEX_S3_BUCKET` says: two
    /// buckets behind the same server and credentials (`aphex copy --files-from s3://a
    /// --files-to s3://b`).
    ///
    /// # Errors
    /// As [`from_env`](S3Config::from_env).
    pub fn from_env_for_bucket(bucket: &str) -> Result<Self> {
        S3Config::from_lookup(|name| match name {
            "APHEX_S3_BUCKET" => Some(bucket.to_owned()),
            other => std::env::var(other).ok(),
        })
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        let first = |names: &[&str]| names.iter().find_map(|n| get(n));
        let required =
            |name: &'static str| get(name).ok_or_else(|| Error::invalid(name, "is not set"));
        let allow_http = match get("APHEX_S3_ALLOW_HTTP").as_deref() {
            None | Some("false" | "0") => false,
            Some("true" | "1") => true,
            Some(_) => {
                return Err(Error::invalid(
                    "APHEX_S3_ALLOW_HTTP",
                    "must be true, false, 1 or 0",
                ));
            }
        };
        let mut config = S3Config {
            bucket: required("APHEX_S3_BUCKET")?,
            region: first(&["AWS_REGION", "AWS_DEFAULT_REGION"])
                .unwrap_or_else(|| "us-east-1".into()),
            endpoint: first(&[
                "APHEX_S3_ENDPOINT",
                "AWS_ENDPOINT_URL_S3",
                "AWS_ENDPOINT_URL",
            ]),
            access_key_id: required("AWS_ACCESS_KEY_ID")?,
            secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
            allow_http,
            public_base_url: String::new(),
        };
        config.public_base_url =
            get("APHEX_S3_PUBLIC_URL").unwrap_or_else(|| config.default_public_base_url());
        Ok(config)
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("allow_http", &self.allow_http)
            .field("public_base_url", &self.public_base_url)
            .finish()
    }
}

impl ObjectStoreAdapter {
    /// Files in an S3 bucket; `name()` is `"s3"`. Nothing is sent until the first operation, so
    /// a wrong bucket or credentials show up then, as [`Error::Backend`].
    ///
    /// `store` sends `If-None-Match: *` so the server refuses to overwrite; see the
    /// [crate docs](crate#guarantees) for which servers honour it.
    ///
    /// # Errors
    /// [`Error::Backend`] when the configuration is rejected (e.g. an `http://` endpoint without
    /// `allow_http`, a malformed endpoint URL).
    pub fn s3(config: S3Config) -> Result<Self> {
        let public_base_url = if config.public_base_url.is_empty() {
            config.default_public_base_url()
        } else {
            config.public_base_url.clone()
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_allow_http(config.allow_http)
            // `PutMode::Create` as `If-None-Match: *` (the default; stated because `store`
            // depends on it).
            .with_conditional_put(S3ConditionalPut::ETagMatch);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let store = builder.build().map_err(|e| Error::backend(BACKEND, e))?;
        Ok(ObjectStoreAdapter::new(
            "s3",
            Arc::new(store),
            &public_base_url,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn from(vars: &[(&str, &str)]) -> Result<S3Config> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        S3Config::from_lookup(|name| vars.get(name).cloned())
    }

    const CREDS: [(&str, &str); 3] = [
        ("APHEX_S3_BUCKET", "media"),
        ("AWS_ACCESS_KEY_ID", "AKID"),
        ("AWS_SECRET_ACCESS_KEY", "s3cret"),
    ];

    #[test]
    fn from_env_defaults_to_amazon_s3() {
        let c = from(&CREDS).expect("config");
        assert_eq!(
            c,
            S3Config::new("media", "us-east-1", "AKID", "s3cret")
                .with_public_base_url("https://media.s3.us-east-1.amazonaws.com")
        );
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "the secret is redacted"
        );
    }

    #[test]
    fn from_env_reads_endpoint_region_and_public_url() {
        let mut vars = CREDS.to_vec();
        vars.extend([
            ("AWS_DEFAULT_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"),
            ("APHEX_S3_ALLOW_HTTP", "1"),
        ]);
        let c = from(&vars).expect("config");
        assert_eq!(c.region, "eu-west-1");
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:9000/"));
        assert!(c.allow_http);
        assert_eq!(c.public_base_url, "http://127.0.0.1:9000/media");

        vars.extend([
            ("AWS_REGION", "eu-central-1"),
            ("APHEX_S3_ENDPOINT", "http://minio:9000"),
            ("APHEX_S3_PUBLIC_URL", "/media"),
        ]);
        let c = from(&vars).expect("config");
        assert_eq!(c.region, "eu-central-1");
        assert_eq!(c.endpoint.as_deref(), Some("http://minio:9000"));
        assert_eq!(c.public_base_url, "/media");
    }

    #[test]
    fn from_env_names_what_is_missing_or_wrong() {
        for missing in [
            "APHEX_S3_BUCKET",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            let vars: Vec<_> = CREDS
                .iter()
                .map(|&(k, v)| (k, if k == missing { "" } else { v }))
                .collect();
            let err = from(&vars).expect_err(missing).to_string();
            assert!(err.contains(missing), "{err}");
        }
        let mut vars = CREDS.to_vec();
        vars.push(("APHEX_S3_ALLOW_HTTP", "yes"));
        let err = from(&vars).expect_err("bad bool").to_string();
        assert!(err.contains("APHEX_S3_ALLOW_HTTP"), "{err}");
    }

    #[test]
    fn the_default_public_url_is_path_style_under_the_endpoint() {
        let config = S3Config::new("b", "us-east-1", "k", "s").with_endpoint("http://127.0.0.1:1");
        let adapter = ObjectStoreAdapter::s3(config).expect("nothing is sent yet");
        assert_eq!(
            aphex_core::storage::StorageAdapter::url(&adapter, "a/b.png"),
            "http://127.0.0.1:1/b/a/b.png"
        );
    }
}
