//! Where a tiled log is read from: a directory, or an HTTP(S) URL prefix (ureq, rustls).

use std::path::PathBuf;
use std::time::Duration;

use super::TlogError;

/// A log's location.
#[derive(Debug)]
pub enum Source {
    /// A directory laid out as [`super`] describes.
    Dir(PathBuf),
    /// An `http://` or `https://` prefix.
    Http {
        /// The prefix, without a trailing slash.
        base: String,
        /// The client (keep-alive connections are reused).
        agent: ureq::Agent,
    },
}

impl Source {
    /// A URL with a scheme `http://` or `https://` is fetched; anything else is a directory.
    pub fn open(arg: &str) -> Self {
        if arg.starts_with("http://") || arg.starts_with("https://") {
            Self::Http { base: arg.trim_end_matches('/').to_owned(), agent: agent() }
        } else {
            Self::Dir(PathBuf::from(arg))
        }
    }

    /// Where `path` is, for messages.
    pub fn describe(&self, path: &str) -> String {
        match self {
            Self::Dir(d) => d.join(path).display().to_string(),
            Self::Http { base, .. } => format!("{base}/{path}"),
        }
    }

    /// Fetches `path` under the prefix: `Ok(None)` if it does not exist (404), an error for anything
    /// else that fails, or a body over `limit` bytes.
    pub fn get(&self, path: &str, limit: usize) -> Result<Option<Vec<u8>>, TlogError> {
        let url = self.describe(path);
        let fail = |reason: String| TlogError::Fetch { url: url.clone(), reason };
        match self {
            Self::Dir(dir) => {
                use std::io::Read as _;
                let file = match std::fs::File::open(dir.join(path)) {
                    Ok(f) => f,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(fail(e.to_string())),
                };
                let mut bytes = Vec::new();
                file.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(|e| fail(e.to_string()))?;
                if bytes.len() > limit {
                    return Err(fail(format!("larger than {limit} bytes")));
                }
                Ok(Some(bytes))
            }
            Self::Http { agent, .. } => {
                let mut resp = agent.get(&url).call().map_err(|e| fail(e.to_string()))?;
                match resp.status().as_u16() {
                    200 => {}
                    404 | 410 => return Ok(None),
                    s => return Err(fail(format!("HTTP status {s}"))),
                }
                let bytes =
                    resp.body_mut().with_config().limit(limit as u64).read_to_vec().map_err(|e| fail(e.to_string()))?;
                Ok(Some(bytes))
            }
        }
    }

    /// [`Source::get`] for a resource that must exist.
    pub fn require(&self, path: &str, limit: usize) -> Result<Vec<u8>, TlogError> {
        self.get(path, limit)?.ok_or_else(|| TlogError::Missing(self.describe(path)))
    }
}

/// The HTTP client: 60 s per request, status codes handled by the caller, no redirects to other schemes.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into()
}
