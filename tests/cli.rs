//! The built `wgmik` binary against bad input and signals: each failure is one plain line on
//! stderr and a non-zero exit, never a panic; SIGTERM stops a running server cleanly.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_wgmik");

fn data_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("wgmik-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn wgmik(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "off")
        .output()
        .unwrap()
}

/// One line naming the problem, non-zero exit, no panic or backtrace.
fn assert_one_line_failure(out: &Output, must_contain: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "succeeded: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "not one line: {stderr:?}"
    );
    assert!(
        stderr.contains(must_contain),
        "{stderr:?} lacks {must_contain:?}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[test]
fn unknown_flag_is_one_line() {
    let out = wgmik(&["--no-such-flag"]);
    assert_one_line_failure(&out, "--no-such-flag");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_documents_configuration() {
    let out = wgmik(&["--help"]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "serve",
        "migrate",
        "WGMIK_BIND",
        "DATABASE_URL",
        "WGMIK_DATA_DIR",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn unreachable_database_url_is_one_line() {
    let dir = data_dir("pg");
    let out = Command::new(BIN)
        .args(["migrate", "--data-dir", dir.to_str().unwrap()])
        .env(
            "DATABASE_URL",
            "postgres://wgmik:pw-secret@127.0.0.1:1/wgmik",
        )
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_one_line_failure(&out, "cannot open the database postgres://");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("pw-secret"));
}

#[test]
fn unwritable_data_dir_is_one_line() {
    // A regular file as a parent directory fails even for root, unlike permission bits.
    let file = data_dir("file");
    std::fs::write(&file, b"not a directory").unwrap();
    let inside = file.join("data");
    let out = wgmik(&["migrate", "--data-dir", inside.to_str().unwrap()]);
    assert_one_line_failure(&out, "cannot create the data directory");
    let _ = std::fs::remove_file(&file);
}

#[test]
fn port_in_use_is_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = data_dir("port");
    let out = wgmik(&[
        "serve",
        "--bind",
        &addr,
        "--data-dir",
        dir.to_str().unwrap(),
    ]);
    assert_one_line_failure(&out, &format!("cannot listen on {addr}"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn serves_probes_and_stops_on_sigterm() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = data_dir("serve");
    let mut child = Command::new(BIN)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .args(["--data-dir", dir.to_str().unwrap()])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        if let Some(reply) = get(port, "/healthz") {
            break reply;
        }
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let ready = get(port, "/readyz").unwrap();
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert!(
        dir.join("wgmik.db").exists(),
        "SQLite file not created in the data dir"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "no exit within 10 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit {exit:?}");
    let mut logs = String::new();
    for stream in [
        child.stdout.take().map(|s| Box::new(s) as Box<dyn Read>),
        child.stderr.take().map(|s| Box::new(s) as Box<dyn Read>),
    ]
    .into_iter()
    .flatten()
    {
        for line in BufReader::new(stream).lines() {
            logs.push_str(&line.unwrap());
            logs.push('\n');
        }
    }
    assert!(logs.contains("SIGTERM received"), "{logs}");
    let _ = std::fs::remove_dir_all(dir);
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    Some(reply)
}
