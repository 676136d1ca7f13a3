//! `fairboard witness serve`: the tlog-witness HTTP interface over [`super::db::WitnessDb`].
//!
//! `POST /add-checkpoint` (body at most [`MAX_BODY_BYTES`], else 413 before it is read) and
//! `GET /<hex SHA-256 of the origin>/checkpoint` (the latest cosigned checkpoint, 404 if none). Any
//! other path is 404, any other method 405. Several worker threads answer at once; the database
//! serialises what must be serialised.

use std::io::Read as _;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use tiny_http::{Header, Method, Request, Response, Server};

use super::WitnessError;
use super::db::WitnessDb;
use crate::merkle::NoteVerifier;
use crate::merkle::cosignature::Cosigner;
use crate::merkle::witness::{AddCheckpoint, MAX_BODY_BYTES, Refusal};

/// A running witness's configuration.
#[derive(Debug)]
pub struct Witness {
    /// The logs it follows.
    pub logs: Vec<NoteVerifier>,
    /// Its key and name.
    pub cosigner: Cosigner,
    /// Its state.
    pub db: WitnessDb,
}

/// The bound server, before it answers.
pub struct Bound {
    server: Arc<Server>,
    /// The address it listens on (with the port chosen, for `:0`).
    pub addr: String,
}

impl std::fmt::Debug for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound").field("addr", &self.addr).finish_non_exhaustive()
    }
}

/// Binds `addr`.
pub fn bind(addr: &str) -> Result<Bound, WitnessError> {
    let server =
        Server::http(addr).map_err(|e| WitnessError::Listen { addr: addr.to_owned(), reason: e.to_string() })?;
    let addr = server.server_addr().to_ip().map_or_else(|| addr.to_owned(), |a| a.to_string());
    Ok(Bound { server: Arc::new(server), addr })
}

/// Answers requests with `workers` threads until the process ends.
pub fn serve(bound: Bound, witness: Witness, workers: usize) {
    let witness = Arc::new(witness);
    let handles: Vec<_> = (0..workers.max(1))
        .map(|_| {
            let (server, witness) = (Arc::clone(&bound.server), Arc::clone(&witness));
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    handle(&witness, request);
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn text(status: u16, body: String, content_type: &str) -> Response<std::io::Cursor<Vec<u8>>> {
    let mut r = Response::from_data(body.into_bytes()).with_status_code(status);
    if let Some(h) = header("Content-Type", content_type) {
        r.add_header(h);
    }
    r
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_secs().max(1))
}

fn handle(witness: &Witness, mut request: Request) {
    const PLAIN: &str = "text/plain; charset=utf-8";
    let url = request.url().to_owned();
    let path = url.split('?').next().unwrap_or("");
    let response = match (request.method(), path) {
        (Method::Post, "/add-checkpoint") => add(witness, &mut request),
        (_, "/add-checkpoint") => text(405, "use POST\n".into(), PLAIN),
        (Method::Get, p) if p.ends_with("/checkpoint") => {
            let hash = p.trim_start_matches('/').trim_end_matches("/checkpoint");
            let found = witness
                .logs
                .iter()
                .find(|l| crate::primitives::crypto::hex(&Sha256::digest(l.name().as_bytes())) == hash)
                .and_then(|l| witness.db.held(l.name()).ok().flatten());
            match found {
                Some((_, note)) => text(200, note, PLAIN),
                None => text(404, "no checkpoint cosigned for that origin hash\n".into(), PLAIN),
            }
        }
        _ => text(404, "not found\n".into(), PLAIN),
    };
    let _ = request.respond(response);
}

fn add(witness: &Witness, request: &mut Request) -> Response<std::io::Cursor<Vec<u8>>> {
    const PLAIN: &str = "text/plain; charset=utf-8";
    if request.body_length().is_some_and(|n| n > MAX_BODY_BYTES) {
        return text(413, format!("body larger than {MAX_BODY_BYTES} bytes\n"), PLAIN);
    }
    let mut body = Vec::new();
    if request.as_reader().take(MAX_BODY_BYTES as u64 + 1).read_to_end(&mut body).is_err() {
        return text(400, "could not read the body\n".into(), PLAIN);
    }
    if body.len() > MAX_BODY_BYTES {
        return text(413, format!("body larger than {MAX_BODY_BYTES} bytes\n"), PLAIN);
    }
    let req = match AddCheckpoint::parse(&body) {
        Ok(r) => r,
        Err(refusal) => return refused(&refusal),
    };
    match witness.db.add_checkpoint(&req, &witness.logs, &witness.cosigner, now()) {
        Ok(Ok(line)) => text(200, line, PLAIN),
        Ok(Err(refusal)) => refused(&refusal),
        Err(e) => {
            eprintln!("fairboard witness: {e}");
            text(503, "the witness could not record the checkpoint; try again\n".into(), PLAIN)
        }
    }
}

fn refused(refusal: &Refusal) -> Response<std::io::Cursor<Vec<u8>>> {
    text(refusal.status(), refusal.body(), refusal.content_type())
}
