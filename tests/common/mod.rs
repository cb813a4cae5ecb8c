//! The real `chantier serve` binary for the integration tests: started on a free port with
//! its own data directory, waited for until it reports SERVING, killed when dropped.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tonic::transport::Channel;

pub struct Server {
    pub child: Child,
    pub addr: String,
    /// The server's data directory (its SQLite database), removed with the server unless
    /// taken over for a restart.
    pub data: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `chantier serve` with extra flags and environment on `data`, and waits until the
/// gRPC health service says `service` is SERVING.
pub async fn start(
    service: &str,
    flags: &[&str],
    env: &[(&str, &str)],
    data: tempfile::TempDir,
) -> (Server, Channel) {
    let addr = format!("127.0.0.1:{}", free_port());
    let child = Command::new(env!("CARGO_BIN_EXE_chantier"))
        .args(["serve", "--listen", &addr])
        .args(flags)
        .env("CHANTIER_LOG", "error")
        .env("CHANTIER_DATA_DIR", data.path())
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        addr: addr.clone(),
        data: Some(data),
    };
    for _ in 0..300 {
        if let Ok(ch) = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
        {
            let mut health = tonic_health::pb::health_client::HealthClient::new(ch.clone());
            let req = tonic_health::pb::HealthCheckRequest {
                service: service.into(),
            };
            if let Ok(r) = health.check(req).await {
                assert_eq!(
                    r.into_inner().status,
                    tonic_health::pb::health_check_response::ServingStatus::Serving as i32
                );
                return (server, ch);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server on {addr} never became healthy");
}
