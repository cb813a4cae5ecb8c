//! Load on the real server: `cargo bench --bench load [-- --clients N --secs S]`.
//!
//! Starts `chantier serve` (the bench profile's binary) on loopback and prints a markdown
//! table for benches/RESULTS.md:
//! - a mix of uploads (the sample house IFC and DXF, the shared corpus's IFC, DXF and PDF
//!   where ../shared is there) from N clients for S seconds, on one HTTP/2 connection shared
//!   by all and on a connection each: calls, throughput, latency percentiles, errors by code;
//! - overload: the corpus's largest IFC (a padded 30 MB sample without ../shared) from 4N
//!   clients against one takeoff slot, each with a 20 s deadline: goodput (answered OK),
//!   refusals and how fast they came, deadline misses;
//! - the server's peak RSS (VmHWM) and its RSS 5 s after the load (VmRSS).
//!
//! `CHANTIER_LOAD_BIN=/path/to/chantier` runs the same load against another build.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chantier_proto::v1 as pb;
use pb::takeoff_service_client::TakeoffServiceClient;
use tonic::transport::Channel;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn files() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for rel in [
        "datasets/sample_house/maison.ifc",
        "datasets/sample_house/maison-rdc.dxf",
        "../shared/datasets/bim/ifc/Office_A_Revit2011.ifc",
        "../shared/datasets/bim/dxf/gds_api-cw750-curtainwall-details_2013.dxf",
        "../shared/datasets/bim/pdf/qcad_flange_mechanical.pdf",
    ] {
        let p: PathBuf = root.join(rel);
        if let Ok(b) = std::fs::read(&p) {
            out.push((p.file_name().unwrap().to_string_lossy().into_owned(), b));
        }
    }
    out
}

/// The sample house padded with a comment to `mb` MB.
fn padded_ifc(mb: usize) -> Vec<u8> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample_house/maison.ifc"),
    )
    .unwrap();
    let at = text.find("DATA;").unwrap() + 5;
    format!(
        "{}\n/* {} */\n{}",
        &text[..at],
        "x".repeat(mb << 20),
        &text[at..]
    )
    .into_bytes()
}

fn messages(name: &str, bytes: &[u8]) -> Vec<pb::UploadTakeoffRequest> {
    let mut m = vec![pb::UploadTakeoffRequest {
        part: Some(pb::upload_takeoff_request::Part::Header(pb::FileHeader {
            file_name: name.into(),
            ..Default::default()
        })),
    }];
    for c in bytes.chunks(256 << 10) {
        m.push(pb::UploadTakeoffRequest {
            part: Some(pb::upload_takeoff_request::Part::Chunk(c.to_vec())),
        });
    }
    m
}

struct Server {
    child: std::process::Child,
    addr: String,
    _data: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let data = tempfile::tempdir().unwrap();
        // CHANTIER_LOAD_BIN: another build to compare with (an earlier commit's binary).
        let bin = std::env::var("CHANTIER_LOAD_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_chantier").to_string());
        let child = std::process::Command::new(bin)
            .args(["serve", "--listen", &addr])
            .env("CHANTIER_LOG", "error")
            .env("CHANTIER_DATA_DIR", data.path())
            .envs(env.iter().copied())
            .spawn()
            .unwrap();
        Server {
            child,
            addr,
            _data: data,
        }
    }

    /// VmHWM and VmRSS in MB.
    fn rss(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let kb = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                / 1024
        };
        (kb("VmHWM:"), kb("VmRSS:"))
    }

    async fn channel(&self) -> Channel {
        for _ in 0..600 {
            if let Ok(c) = Channel::from_shared(format!("http://{}", self.addr))
                .unwrap()
                .connect()
                .await
            {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not start");
    }
}

#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: std::collections::BTreeMap<String, (usize, Duration)>,
}

impl Tally {
    fn pct(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }

    fn errors(&self) -> String {
        if self.errors.is_empty() {
            return "none".into();
        }
        self.errors
            .iter()
            .map(|(code, (n, t))| {
                format!("{code} x{n} (mean {:.2} s)", t.as_secs_f64() / *n as f64)
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

async fn run(
    channels: Vec<Channel>,
    clients: usize,
    secs: u64,
    work: &[(String, Vec<u8>)],
    deadline: Duration,
) -> Tally {
    let stop = Instant::now() + Duration::from_secs(secs);
    let tasks = (0..clients).map(|i| {
        let ch = channels[i % channels.len()].clone();
        let work: Vec<(String, Vec<u8>)> = work.to_vec();
        tokio::spawn(async move {
            let mut t = Tally::default();
            let mut c = TakeoffServiceClient::new(ch).max_decoding_message_size(usize::MAX);
            let mut k = i;
            while Instant::now() < stop {
                let (name, bytes) = &work[k % work.len()];
                k += 1;
                let mut r = tonic::Request::new(tokio_stream::iter(messages(name, bytes)));
                r.set_timeout(deadline);
                let started = Instant::now();
                match c.upload_takeoff(r).await {
                    Ok(_) => t.latencies.push(started.elapsed()),
                    Err(s) => {
                        let e = t.errors.entry(format!("{:?}", s.code())).or_default();
                        e.0 += 1;
                        e.1 += started.elapsed();
                    }
                }
            }
            t
        })
    });
    let mut all = Tally::default();
    for t in futures::future::join_all(tasks).await {
        let t = t.unwrap();
        all.latencies.extend(t.latencies);
        for (k, (n, d)) in t.errors {
            let e = all.errors.entry(k).or_default();
            e.0 += n;
            e.1 += d;
        }
    }
    all
}

/// One line of the table: calls, rate, latency percentiles, errors, peak and settled RSS.
fn row(label: &str, t: &Tally, secs: u64, (peak, settled): (u64, u64)) {
    println!(
        "| {label} | {} | {:.1} | {:.2} s | {:.2} s | {:.2} s | {} | {peak} MB | {settled} MB |",
        t.latencies.len(),
        t.latencies.len() as f64 / secs as f64,
        t.pct(0.5).as_secs_f64(),
        t.pct(0.9).as_secs_f64(),
        t.pct(0.99).as_secs_f64(),
        t.errors(),
    );
}

fn main() {
    let clients = arg("--clients", 16) as usize;
    let secs = arg("--secs", 60);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let work = files();
        println!(
            "| scenario | calls OK | req/s | p50 | p90 | p99 | errors | peak RSS | RSS 5 s after |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for shared in [true, false] {
            let s = Server::start(&[]);
            let first = s.channel().await;
            let channels = if shared {
                vec![first]
            } else {
                let mut v = vec![first];
                for _ in 1..clients {
                    v.push(s.channel().await);
                }
                v
            };
            let t = run(channels, clients, secs, &work, Duration::from_secs(60)).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
            let label = format!(
                "mix, {clients} clients, {}",
                if shared {
                    "one connection"
                } else {
                    "a connection each"
                }
            );
            row(&label, &t, secs, s.rss());
        }
        let s = Server::start(&[("CHANTIER_MAX_CONCURRENT_TAKEOFFS", "1")]);
        let ch = s.channel().await;
        // Real work that takes a while: the corpus's largest IFC, else a padded sample.
        let office = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/datasets/bim/ifc/Office_A_Revit2011.ifc");
        let big = match std::fs::read(&office) {
            Ok(b) => vec![("Office_A_Revit2011.ifc".to_string(), b)],
            Err(_) => vec![("big.ifc".to_string(), padded_ifc(30))],
        };
        let overload = clients * 4;
        let t = run(vec![ch], overload, secs, &big, Duration::from_secs(20)).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let calls = t.latencies.len() + t.errors.values().map(|e| e.0).sum::<usize>();
        let label = format!(
            "overload, {overload} clients, {} ({} MB), 1 slot, 20 s deadline: goodput {:.1} %",
            big[0].0,
            big[0].1.len() >> 20,
            100.0 * t.latencies.len() as f64 / calls.max(1) as f64,
        );
        row(&label, &t, secs, s.rss());
    });
}
