//! Secrets at rest through the real binary (SPEC §9): a router added from the command line
//! leaves no plaintext password in the SQLite file or the logs; a wrong master key stops
//! start-up with one plain line; `wgmik rotate-master-key` re-encrypts, and the server then
//! starts and polls the router with the rotated key.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use routeros_sim::{SimConfig, Simulator};

const BIN: &str = env!("CARGO_BIN_EXE_wgmik");
/// Distinctive, so finding it anywhere means it leaked.
const ROUTER_PASSWORD: &str = "Rt-pass-7f3a91-leak-canary";

fn wgmik(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["--data-dir", dir.to_str().unwrap()])
        .env_remove("DATABASE_URL")
        .env_remove("WGMIK_MASTER_KEY")
        .env_remove("WGMIK_ADMIN_USER")
        .env_remove("WGMIK_ADMIN_PASSWORD")
        .env("RUST_LOG", "info");
    cmd
}

fn http(port: u16, path: &str, token: Option<&str>) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply).ok()?;
    Some(reply)
}

fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for name in ["wgmik.db", "wgmik.db-wal", "wgmik.db-shm"] {
        if let Ok(mut more) = std::fs::read(dir.join(name)) {
            bytes.append(&mut more);
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn passwords_stay_sealed_a_wrong_key_stops_start_up_and_rotation_keeps_routers_usable() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sim = runtime
        .block_on(Simulator::start(SimConfig {
            routers: 1,
            peers_per_router: 4,
            password: ROUTER_PASSWORD.to_owned(),
            virtual_clock: false,
            ..SimConfig::default()
        }))
        .unwrap();
    let router = sim.router(0).clone();
    let dir = std::env::temp_dir().join(format!("wgmik-secrets-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let added = wgmik(&dir)
        .args(["router", "add", "--name", "edge", "--host", "127.0.0.1"])
        .args(["--port", &router.rest_http.to_string(), "--no-tls"])
        .args(["--username", &router.user])
        .env("WGMIK_ROUTER_PASSWORD", ROUTER_PASSWORD)
        .output()
        .unwrap();
    let logs = String::from_utf8_lossy(&added.stderr).into_owned()
        + &String::from_utf8_lossy(&added.stdout);
    assert!(added.status.success(), "{logs}");
    assert!(
        !logs.contains(ROUTER_PASSWORD),
        "password in the log: {logs}"
    );
    assert!(dir.join("master.key").exists(), "key file created");
    let bytes = file_bytes(&dir);
    assert!(!bytes.is_empty());
    assert!(
        !contains(&bytes, ROUTER_PASSWORD),
        "the SQLite file holds the router password in plaintext"
    );

    // A wrong key: start-up refused, one line, nothing changed.
    let wrong = wgmik(&dir)
        .args(["--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "off")
        .env(
            "WGMIK_MASTER_KEY",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        )
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        !wrong.status.success(),
        "started with a wrong key: {stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("cannot decrypt"), "{stderr}");
    assert!(stderr.contains("edge"), "names the router: {stderr}");

    // Rotate: a new key in the key file; the old one no longer matches.
    let old_key = std::fs::read_to_string(dir.join("master.key")).unwrap();
    let rotated = wgmik(&dir).arg("rotate-master-key").output().unwrap();
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let new_key = std::fs::read_to_string(dir.join("master.key")).unwrap();
    assert_ne!(old_key, new_key);
    assert!(!contains(&file_bytes(&dir), ROUTER_PASSWORD));

    // Serve with the rotated key: the router is polled successfully.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = wgmik(&dir)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let token = wgmik(&dir)
        .args(["token", "create", "--name", "ci"])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    let routers = loop {
        if let Some(reply) = http(port, "/api/routers", Some(&token))
            && reply.starts_with("HTTP/1.1 200")
            && reply.contains("\"last_success_at\":\"")
        {
            break reply;
        }
        assert!(
            Instant::now() < deadline,
            "the router was not polled after rotation"
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    assert!(!routers.contains(ROUTER_PASSWORD), "{routers}");
    let unauthorized = http(port, "/api/routers", None).unwrap();
    assert!(unauthorized.starts_with("HTTP/1.1 401"), "{unauthorized}");

    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while server.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "no exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut logs = String::new();
    if let Some(mut stderr) = server.stderr.take() {
        stderr.read_to_string(&mut logs).unwrap();
    }
    assert!(
        !logs.contains(ROUTER_PASSWORD),
        "password in the server log"
    );
    assert!(!contains(&file_bytes(&dir), ROUTER_PASSWORD));
    runtime.block_on(sim.shutdown());
    let _ = std::fs::remove_dir_all(dir);
}
