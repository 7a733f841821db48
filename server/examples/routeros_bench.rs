//! Benchmark of the RouterOS client against an in-process simulator with 10,000 peers.
//!
//! Run: `cargo run --release -p server --example routeros_bench`. Prints one JSON line per
//! transport: client parse time per peer (timed apart from I/O, on a reply fetched once, the
//! fastest of 20 runs; for the API it includes decoding the wire bytes into sentences),
//! full-poll latency p50/p95 (`list_peers`: request, simulator, transfer, decode, parse) and the
//! process's peak RSS so far (VmHWM; the simulator lives in the same process, so this is an
//! upper bound for the client). Targets: <= 2 us/peer parsing, a full poll < 100 ms.

#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use routeros_sim::{SimConfig, Simulator};
use server::routeros::api::client::{parse_peer_sentences, peer_print_words};
use server::routeros::api::codec::{decode_sentence, encode_sentence};
use server::routeros::model::peer_proplist;
use server::routeros::{RouterClient, RouterEndpoint, RouterOs, Transport, parse_peers_json};

const PEERS: usize = 10_000;
const POLLS: usize = 30;
const PARSES: usize = 20;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let cfg = SimConfig {
        routers: 1,
        peers_per_router: PEERS,
        interfaces_per_router: 4,
        ..SimConfig::default()
    };
    let sim = Simulator::start(cfg).await.unwrap();
    sim.advance(Duration::from_secs(300));
    let h = sim.router(0);
    let modes = [
        ("rest", Transport::Rest, false, h.rest_http),
        ("rest-tls", Transport::Rest, true, h.rest_https),
        ("api", Transport::Api, false, h.api),
        ("api-ssl", Transport::Api, true, h.api_ssl),
    ];
    for (name, transport, tls, port) in modes {
        let mut e = RouterEndpoint::new(h.bind.to_string(), transport, tls, &h.user, &h.password);
        e.port = Some(port);
        e.tls_fingerprint = tls.then(|| h.tls_sha256.clone());
        e.timeout = Duration::from_secs(30);
        let client = RouterClient::new(e).unwrap();
        let version = client.system_resource().await.unwrap().ros_version();

        let (parse_us, reply_bytes) = match &client {
            RouterClient::Rest(rest) => {
                let path = format!("/interface/wireguard/peers?.proplist={}", {
                    peer_proplist(version).join(",")
                });
                let body = rest.get_bytes(&path).await.unwrap();
                let us = best_of(|| {
                    let peers = parse_peers_json("bench", &body).unwrap();
                    assert_eq!(peers.len(), PEERS);
                });
                (us, body.len())
            }
            RouterClient::Api(api) => {
                let reply = api
                    .command(&peer_print_words(&peer_proplist(version)))
                    .await
                    .unwrap();
                // Re-encode the reply so decoding is timed along with the model parse.
                let mut wire = Vec::new();
                for s in &reply.re {
                    wire.extend(encode_sentence(s.words()).unwrap());
                }
                let us = best_of(|| {
                    let mut at = 0;
                    let mut sentences = Vec::with_capacity(PEERS);
                    while let Some((s, used)) = decode_sentence(&wire[at..]).unwrap() {
                        at += used;
                        sentences.push(s);
                    }
                    let peers = parse_peer_sentences("bench", &sentences).unwrap();
                    assert_eq!(peers.len(), PEERS);
                });
                (us, wire.len())
            }
        };

        for _ in 0..2 {
            client.list_peers().await.unwrap();
        }
        let mut polls = Vec::with_capacity(POLLS);
        for _ in 0..POLLS {
            let start = Instant::now();
            let peers = client.list_peers().await.unwrap();
            polls.push(start.elapsed());
            assert_eq!(peers.len(), PEERS);
        }
        polls.sort();
        let ms = |d: Duration| (d.as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
        println!(
            "{}",
            serde_json::json!({
                "transport": name,
                "peers": PEERS,
                "reply_bytes": reply_bytes,
                "parse_us_per_peer": (parse_us / PEERS as f64 * 1000.0).round() / 1000.0,
                "poll_ms_p50": ms(polls[POLLS / 2]),
                "poll_ms_p95": ms(polls[POLLS * 95 / 100]),
                "peak_rss_mb": peak_rss_kb() / 1024,
            })
        );
    }
    sim.shutdown().await;
}

/// Fastest of several runs, in microseconds (the least disturbed by the other cores' work).
fn best_of(mut f: impl FnMut()) -> f64 {
    (0..PARSES)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e6
        })
        .fold(f64::INFINITY, f64::min)
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
