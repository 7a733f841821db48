//! One binary-API session: a TCP (or TLS) stream, a reader task, and commands in flight.
//!
//! Every command carries a `.tag`; the reader task routes each reply sentence to the command
//! with that tag, so several commands can share the connection at once (ROUTEROS.md). A
//! command's replies are collected until its `!done`; a `!trap` is remembered and reported at
//! `!done`; `!empty` (7.18+) is skipped wherever it appears. `!fatal`, a protocol error or EOF
//! fails every command in flight and closes the session for good. Memory is bounded: a command
//! whose replies pass the limit is failed and the rest of its replies are read and dropped, and
//! a partial sentence larger than the limit ends the session.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::codec::{decode_sentence, encode_sentence};
use super::sentence::Sentence;
use crate::routeros::error::RouterError;

/// Any byte stream the API can run over (plain TCP or TLS).
pub trait ApiStream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> ApiStream for T {}
pub type BoxStream = Box<dyn ApiStream>;

/// A command's answer: its `!re` sentences and the closing `!done` (which may carry `=ret=`).
#[derive(Debug)]
pub struct Reply {
    pub re: Vec<Sentence>,
    pub done: Sentence,
}

type Outcome = Result<Reply, RouterError>;

struct Pending {
    tx: oneshot::Sender<Outcome>,
    re: Vec<Sentence>,
    bytes: usize,
    too_large: bool,
    trap: Option<RouterError>,
}

#[derive(Default)]
struct State {
    pending: HashMap<u64, Pending>,
    closed: Option<RouterError>,
}

type Shared = Arc<Mutex<State>>;

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// An open API session (after TLS, before or after login).
pub struct Connection {
    writer: tokio::sync::Mutex<WriteHalf<BoxStream>>,
    shared: Shared,
    next_tag: AtomicU64,
    reader: JoinHandle<()>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Connection {
    /// Starts the reader task over `stream`. `max_reply` bounds each command's reply.
    pub fn start(stream: BoxStream, max_reply: usize) -> Self {
        let (read, write) = tokio::io::split(stream);
        let shared = Shared::default();
        let reader = tokio::spawn(read_loop(read, shared.clone(), max_reply));
        Self {
            writer: tokio::sync::Mutex::new(write),
            shared,
            next_tag: AtomicU64::new(1),
            reader,
        }
    }

    /// Whether the session has ended (it is then never reused).
    pub fn is_closed(&self) -> bool {
        lock(&self.shared).closed.is_some() || self.reader.is_finished()
    }

    /// Sends one command (`words` without a tag) and waits for its `!done`.
    pub async fn call<W: AsRef<[u8]>>(&self, words: &[W]) -> Outcome {
        let tag = self.next_tag.fetch_add(1, Ordering::Relaxed);
        let tag_word = format!(".tag={tag}");
        let bytes = encode_sentence(
            words
                .iter()
                .map(AsRef::as_ref)
                .chain(std::iter::once(tag_word.as_bytes())),
        )
        .map_err(|e| RouterError::Protocol(format!("cannot encode the command: {e}")))?;

        let (tx, rx) = oneshot::channel();
        {
            let mut state = lock(&self.shared);
            if let Some(err) = &state.closed {
                return Err(err.clone());
            }
            let pending = Pending {
                tx,
                re: Vec::new(),
                bytes: 0,
                too_large: false,
                trap: None,
            };
            state.pending.insert(tag, pending);
        }
        // If this future is dropped (timeout), forget the tag so late replies are discarded.
        let _guard = ForgetTag {
            shared: &self.shared,
            tag,
        };

        let written = async {
            let mut writer = self.writer.lock().await;
            writer.write_all(&bytes).await?;
            writer.flush().await
        }
        .await;
        if let Err(e) = written {
            let err = RouterError::Protocol(format!("the connection broke while sending: {e}"));
            fail_all(&self.shared, err.clone());
            return Err(err);
        }
        match rx.await {
            Ok(outcome) => outcome,
            Err(_) => Err(lock(&self.shared)
                .closed
                .clone()
                .unwrap_or_else(|| RouterError::Protocol("the API session ended".into()))),
        }
    }
}

struct ForgetTag<'a> {
    shared: &'a Shared,
    tag: u64,
}

impl Drop for ForgetTag<'_> {
    fn drop(&mut self) {
        lock(self.shared).pending.remove(&self.tag);
    }
}

fn fail_all(shared: &Shared, err: RouterError) {
    let mut state = lock(shared);
    if state.closed.is_none() {
        state.closed = Some(err.clone());
    }
    for (_, p) in state.pending.drain() {
        let _ = p.tx.send(Err(err.clone()));
    }
}

async fn read_loop(mut read: ReadHalf<BoxStream>, shared: Shared, max_reply: usize) {
    let mut buf = BytesMut::with_capacity(64 * 1024);
    loop {
        loop {
            match decode_sentence(&buf) {
                Ok(Some((sentence, used))) => {
                    buf.advance(used);
                    if let Err(err) = dispatch(&shared, sentence, max_reply) {
                        fail_all(&shared, err);
                        return;
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    fail_all(
                        &shared,
                        RouterError::Protocol(format!("not a RouterOS API reply: {e}")),
                    );
                    return;
                }
            }
        }
        if buf.len() > max_reply {
            fail_all(&shared, RouterError::ReplyTooLarge { limit: max_reply });
            return;
        }
        if buf.capacity() - buf.len() < 16 * 1024 {
            buf.reserve(64 * 1024);
        }
        match read.read_buf(&mut buf).await {
            Ok(0) => {
                let what = if buf.is_empty() {
                    ""
                } else {
                    " in the middle of a reply"
                };
                fail_all(
                    &shared,
                    RouterError::Protocol(format!("the router closed the connection{what}")),
                );
                return;
            }
            Ok(_) => {}
            Err(e) => {
                fail_all(
                    &shared,
                    RouterError::Protocol(format!("reading from the router: {e}")),
                );
                return;
            }
        }
    }
}

/// Routes one reply sentence. An `Err` ends the session.
fn dispatch(shared: &Shared, sentence: Sentence, max_reply: usize) -> Result<(), RouterError> {
    if sentence.is_empty() {
        return Ok(());
    }
    let word = sentence.reply_word();
    if word == b"!fatal" {
        let message = sentence
            .words()
            .nth(1)
            .map(|w| {
                String::from_utf8_lossy(w.strip_prefix(b"=message=").unwrap_or(w)).into_owned()
            })
            .unwrap_or_default();
        return Err(RouterError::Fatal { message });
    }
    if !matches!(word, b"!re" | b"!done" | b"!trap" | b"!empty") {
        return Err(RouterError::Protocol(format!(
            "unknown reply word {:?}",
            String::from_utf8_lossy(word)
        )));
    }
    let Some(tag) = sentence
        .tag()
        .and_then(|t| std::str::from_utf8(t).ok()?.parse::<u64>().ok())
    else {
        // Every command we send is tagged; an untagged reply belongs to nobody.
        tracing::debug!(?sentence, "untagged RouterOS API reply ignored");
        return Ok(());
    };
    let mut state = lock(shared);
    let Some(pending) = state.pending.get_mut(&tag) else {
        return Ok(()); // a command we gave up on (timeout)
    };
    match word {
        b"!re" => {
            pending.bytes += sentence.byte_len();
            if pending.bytes > max_reply {
                pending.too_large = true;
                pending.re = Vec::new();
            } else if !pending.too_large {
                pending.re.push(sentence);
            }
        }
        b"!trap" => {
            let message = sentence
                .attribute("message")
                .map(|m| String::from_utf8_lossy(m).into_owned())
                .unwrap_or_default();
            let category = sentence
                .attribute("category")
                .and_then(|c| std::str::from_utf8(c).ok()?.parse::<u8>().ok());
            pending
                .trap
                .get_or_insert(RouterError::Trap { category, message });
        }
        b"!done" => {
            if let Some(p) = state.pending.remove(&tag) {
                let outcome = if p.too_large {
                    Err(RouterError::ReplyTooLarge { limit: max_reply })
                } else if let Some(trap) = p.trap {
                    Err(trap)
                } else {
                    Ok(Reply {
                        re: p.re,
                        done: sentence,
                    })
                };
                let _ = p.tx.send(outcome);
            }
        }
        _ => {} // !empty: no data; the !done that follows completes the command
    }
    Ok(())
}
