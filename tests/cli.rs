//! The built `wgmik` binary against bad input and signals: each failure is one plain line on
//! stderr and a non-zero exit, never a panic; SIGTERM stops a running server cleanly.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_wgmik");

/// A spawned `wgmik`, killed when the test ends — also when an assertion fails first, so a
/// failed test leaves no server (or demo simulator) running.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Reaped {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

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
    let mut child = Reaped(
        Command::new(BIN)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--data-dir", dir.to_str().unwrap()])
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );

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

/// One HTTP/1.1 request with an optional JSON body and cookie; the whole reply as text.
fn request(port: u16, method: &str, path: &str, body: &str, cookie: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nCookie: {cookie}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn healthcheck_answers_for_a_running_server_and_fails_plainly_without_one() {
    let port = free_port();
    let out = wgmik(&["healthcheck", "--bind", &format!("127.0.0.1:{port}")]);
    assert_one_line_failure(&out, "nothing answers");

    let dir = data_dir("healthcheck");
    let mut child = Reaped(
        Command::new(BIN)
            .args(["--bind", &format!("0.0.0.0:{port}")])
            .args(["--data-dir", dir.to_str().unwrap()])
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "off")
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "server did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
    // 0.0.0.0 is asked on loopback, as the container's HEALTHCHECK does.
    let out = wgmik(&["healthcheck", "--bind", &format!("0.0.0.0:{port}")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// `wgmik demo`: loopback only, prints the admin it created, and within three poll intervals
/// (10 s each) `/api/summary/month` shows the simulated peers' counters moving.
#[test]
fn demo_serves_moving_counters_within_three_poll_intervals() {
    let port = free_port();
    let dir = data_dir("demo");
    let mut child = Reaped(
        Command::new(BIN)
            .args(["demo", "--bind", &format!("0.0.0.0:{port}")])
            .args(["--data-dir", dir.to_str().unwrap()])
            .env_remove("DATABASE_URL")
            .env_remove("WGMIK_MASTER_KEY")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let stderr = child.stderr.take().unwrap();
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(stderr).read_to_string(&mut text);
        text
    });

    let started = Instant::now();
    let mut banner = String::new();
    let mut password = None;
    // The banner ends with the demo data folder.
    while !banner.contains("demo data") {
        let line = lines_rx
            .recv_timeout(Duration::from_secs(60))
            .expect("no demo banner within 60 s");
        banner.push_str(&line);
        banner.push('\n');
        if let Some(rest) = line.trim().strip_prefix("sign in as") {
            let (user, secret) = rest.trim().split_once(" / ").expect("user / password");
            assert_eq!(user.trim(), "demo");
            password = Some(secret.split_whitespace().next().unwrap().to_owned());
        }
    }
    let password = password.expect("the banner names the demo admin's password");
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "demo did not come up: {banner}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(banner.contains("loopback only"), "{banner}");
    assert!(banner.contains("certificate SHA-256"), "{banner}");

    let login = request(
        port,
        "POST",
        "/api/session",
        &format!(r#"{{"username":"demo","password":"{password}"}}"#),
        "",
    );
    assert!(login.starts_with("HTTP/1.1 2"), "{login}");
    let cookie = login
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l[11..].trim().split(';').next().unwrap().to_owned())
        })
        .expect("a session cookie");

    // Poll interval 10 s: the import baselined the counters, so a moving total needs two polls.
    let total = |reply: &str| -> Option<(u64, u64)> {
        let body = reply.split("\r\n\r\n").nth(1)?;
        let number = |key: &str| -> Option<u64> {
            let at = body.find(&format!("\"{key}\":"))? + key.len() + 3;
            body[at..]
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        };
        Some((number("total_rx")?, number("total_tx")?))
    };
    let mut seen = Vec::new();
    let moving = loop {
        let reply = request(port, "GET", "/api/summary/month", "", &cookie);
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        let now = total(&reply).expect("totals in the summary");
        seen.push(now);
        if seen.len() >= 2 && now.0 + now.1 > 0 && now != seen[seen.len() - 2] {
            break true;
        }
        if started.elapsed() > Duration::from_secs(30 + 20) {
            break false;
        }
        std::thread::sleep(Duration::from_secs(2));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let logs = stderr_reader.join().unwrap();
    assert!(
        moving,
        "counters did not move within three poll intervals: {seen:?}\n{logs}"
    );
    assert!(
        dir.join("demo").join("wgmik.db").exists(),
        "demo data not in <data dir>/demo"
    );
    let _ = std::fs::remove_dir_all(dir);
}
