//! Faithfulness against a real third-party RouterOS client: Python's `librouteros` drives the
//! simulator's API and API-SSL (`librouteros_check.py`). The interpreter is `$WGMIK_PYTHON`, else
//! `<workspace>/.venv/bin/python`. Missing interpreter or package: fail under `CI`, skip elsewhere.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::*;

fn python() -> PathBuf {
    match std::env::var_os("WGMIK_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(".venv")
            .join("bin")
            .join("python"),
    }
}

fn skip_or_fail(reason: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("third-party client check cannot run under CI: {reason}");
    }
    eprintln!("skipping third-party client check: {reason}");
}

#[tokio::test]
async fn librouteros_talks_to_the_simulator() {
    let py = python();
    let probe = std::process::Command::new(&py)
        .args(["-c", "import librouteros"])
        .output();
    match probe {
        Err(e) => return skip_or_fail(&format!("{} cannot run: {e}", py.display())),
        Ok(o) if !o.status.success() => {
            return skip_or_fail(&format!(
                "librouteros is not importable by {} (pip install librouteros)",
                py.display()
            ));
        }
        Ok(_) => {}
    }
    let sim = start(cfg(6)).await;
    let r = sim.router(0).clone();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("librouteros_check.py");
    let out = tokio::process::Command::new(&py)
        .arg(&script)
        .args([
            "127.0.0.1",
            &r.api.to_string(),
            &r.api_ssl.to_string(),
            &r.user,
            &r.password,
        ])
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "librouteros check failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for want in [
        "ok: api print 6 peers",
        "ok: api set disabled",
        "ok: api trap on unknown id: no such item",
        "ok: api-ssl print 6 peers",
        "ok: api-ssl set disabled",
        "ok: bad login refused",
    ] {
        assert!(stdout.contains(want), "missing {want:?} in:\n{stdout}");
    }
    // Two writes (disable, enable) per transport; the trap is not a write.
    assert_eq!(r.write_count(), 4);
    sim.shutdown().await;
}
