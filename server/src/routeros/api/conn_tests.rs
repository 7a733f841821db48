//! The session's reply routing, driven by a scripted fake router over an in-memory pipe:
//! interleaved tags, `!empty` in any position, `!trap` then `!done`, `!fatal`, the size bound.

#![allow(clippy::unwrap_used)]

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::codec::{decode_sentence, encode_sentence};
use super::conn::Connection;
use super::sentence::Sentence;
use crate::routeros::error::RouterError;

/// Reads one command sentence from the client side of the pipe.
async fn read_command(server: &mut DuplexStream, buf: &mut Vec<u8>) -> Sentence {
    loop {
        if let Some((s, used)) = decode_sentence(buf).unwrap() {
            buf.drain(..used);
            return s;
        }
        let mut chunk = [0u8; 4096];
        let n = server.read(&mut chunk).await.unwrap();
        assert!(n > 0, "client closed");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn tag_of(s: &Sentence) -> String {
    String::from_utf8(s.tag().unwrap().to_vec()).unwrap()
}

async fn send(server: &mut DuplexStream, words: &[&str]) {
    server
        .write_all(&encode_sentence(words).unwrap())
        .await
        .unwrap();
}

fn pipe(max_reply: usize) -> (Connection, DuplexStream) {
    let (client, server) = tokio::io::duplex(1 << 16);
    (Connection::start(Box::new(client), max_reply), server)
}

#[tokio::test]
async fn interleaved_replies_reach_their_commands() {
    let (conn, mut server) = pipe(1 << 20);
    let fake = tokio::spawn(async move {
        let mut buf = Vec::new();
        let a = read_command(&mut server, &mut buf).await;
        let b = read_command(&mut server, &mut buf).await;
        let (ta, tb) = (tag_of(&a), tag_of(&b));
        // Answer the second command first, and interleave the data.
        send(&mut server, &["!re", &format!(".tag={tb}"), "=name=b1"]).await;
        send(&mut server, &["!re", &format!(".tag={ta}"), "=name=a1"]).await;
        send(&mut server, &["!empty", &format!(".tag={tb}")]).await;
        send(&mut server, &["!done", &format!(".tag={tb}")]).await;
        send(&mut server, &["!re", &format!(".tag={ta}"), "=name=a2"]).await;
        send(&mut server, &["!done", &format!(".tag={ta}")]).await;
        server
    });
    let (ra, rb) = tokio::join!(conn.call(&["/a"]), conn.call(&["/b"]));
    let names = |r: super::conn::Reply| -> Vec<String> {
        r.re.iter()
            .map(|s| String::from_utf8(s.attribute("name").unwrap().to_vec()).unwrap())
            .collect()
    };
    assert_eq!(names(ra.unwrap()), ["a1", "a2"]);
    assert_eq!(names(rb.unwrap()), ["b1"]);
    drop(fake.await.unwrap());
}

#[tokio::test]
async fn empty_then_done_and_trap_then_done() {
    let (conn, mut server) = pipe(1 << 20);
    tokio::spawn(async move {
        let mut buf = Vec::new();
        let c = read_command(&mut server, &mut buf).await;
        let t = format!(".tag={}", tag_of(&c));
        send(&mut server, &["!empty", &t]).await;
        send(&mut server, &["!done", &t]).await;
        let c = read_command(&mut server, &mut buf).await;
        let t = format!(".tag={}", tag_of(&c));
        send(
            &mut server,
            &["!trap", &t, "=category=0", "=message=no such item"],
        )
        .await;
        send(&mut server, &["!done", &t]).await;
        let c = read_command(&mut server, &mut buf).await;
        let t = format!(".tag={}", tag_of(&c));
        send(&mut server, &["!done", &t, "=ret=*9"]).await;
        let _ = read_command(&mut server, &mut buf).await;
        send(&mut server, &["!fatal", "session terminated on request"]).await;
    });
    assert!(conn.call(&["/x/print"]).await.unwrap().re.is_empty());
    assert_eq!(
        conn.call(&["/x/set"]).await.unwrap_err(),
        RouterError::Trap {
            category: Some(0),
            message: "no such item".into()
        }
    );
    let done = conn.call(&["/x/add"]).await.unwrap().done;
    assert_eq!(done.attribute("ret"), Some(&b"*9"[..]));
    assert_eq!(
        conn.call(&["/quit"]).await.unwrap_err(),
        RouterError::Fatal {
            message: "session terminated on request".into()
        }
    );
    assert!(conn.is_closed());
    assert!(matches!(
        conn.call(&["/again"]).await,
        Err(RouterError::Fatal { .. })
    ));
}

#[tokio::test]
async fn oversized_reply_fails_that_command_only() {
    let (conn, mut server) = pipe(100);
    tokio::spawn(async move {
        let mut buf = Vec::new();
        let c = read_command(&mut server, &mut buf).await;
        let t = format!(".tag={}", tag_of(&c));
        for _ in 0..10 {
            send(
                &mut server,
                &[
                    "!re",
                    &t,
                    "=comment=0123456789012345678901234567890123456789",
                ],
            )
            .await;
        }
        send(&mut server, &["!done", &t]).await;
        let c = read_command(&mut server, &mut buf).await;
        send(&mut server, &["!done", &format!(".tag={}", tag_of(&c))]).await;
        // A sentence that alone exceeds the bound ends the session.
        let _ = read_command(&mut server, &mut buf).await;
        let big = format!("=comment={}", "x".repeat(120));
        let _ = server
            .write_all(&encode_sentence(["!re", big.as_str()]).unwrap()[..110])
            .await;
        server
    });
    assert_eq!(
        conn.call(&["/big"]).await.unwrap_err(),
        RouterError::ReplyTooLarge { limit: 100 }
    );
    assert!(conn.call(&["/small"]).await.is_ok());
    assert_eq!(
        conn.call(&["/huge"]).await.unwrap_err(),
        RouterError::ReplyTooLarge { limit: 100 }
    );
}

#[tokio::test]
async fn garbage_and_eof_fail_commands_in_flight() {
    let (conn, mut server) = pipe(1 << 20);
    tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = read_command(&mut server, &mut buf).await;
        server.write_all(&[0xF9, 1, 2, 3]).await.unwrap();
    });
    match conn.call(&["/x"]).await {
        Err(RouterError::Protocol(m)) => assert!(m.contains("0xF9"), "{m}"),
        other => panic!("{other:?}"),
    }
    let (conn, server) = pipe(1 << 20);
    drop(server);
    assert!(matches!(
        conn.call(&["/x"]).await,
        Err(RouterError::Protocol(_))
    ));
}
