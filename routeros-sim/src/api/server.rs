//! One API connection: read a sentence, run it, write the replies (tagged), until the client
//! leaves, a protocol error occurs (the router just closes), or the simulator stops.
//! Faults act here: slow answers and malformed replies.

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::sync::watch;

use super::commands::{After, handle};
use super::sentence::{Reply, Request, read_sentence};
use crate::handle::RouterShared;

pub(crate) async fn serve_conn<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    router: Arc<RouterShared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let (r, mut w) = tokio::io::split(stream);
    let mut r = BufReader::with_capacity(16 * 1024, r);
    let mut logged_in = false;
    loop {
        let words = tokio::select! {
            s = read_sentence(&mut r) => match s {
                Ok(w) => w,
                Err(_) => return,
            },
            _ = shutdown.changed() => return,
        };
        if words.is_empty() {
            continue;
        }
        let req = Request::parse(&words);
        let mut reply = Reply::new(req.tag.clone());
        // Faults act before the command runs, so a reply the client never gets (garbage, or
        // one it gave up waiting for) books no read in the ledger.
        let faults = router.faults();
        if let Some(d) = faults.slow() {
            tokio::select! {
                _ = tokio::time::sleep(d) => {}
                _ = shutdown.changed() => return,
            }
        }
        if faults.malformed_api {
            // A reserved length byte where a reply word should start, then the router hangs up.
            let _ = w.write_all(&[0xF8, 0x21, 0x72, 0x65, 0x00]).await;
            let _ = w.flush().await;
            return;
        }
        let after = {
            let mut st = router.lock();
            handle(&mut st, &req, logged_in, &mut reply)
        };
        if w.write_all(&reply.out).await.is_err() || w.flush().await.is_err() {
            return;
        }
        match after {
            After::Continue => {}
            After::LoggedIn => logged_in = true,
            After::Close => {
                let _ = w.shutdown().await;
                return;
            }
        }
    }
}
