//! The server's connections: how many at once, and when one that does nothing is closed.
//!
//! Every accepted TCP connection holds a place of `max_connections`; one over the cap is
//! closed at once (the accept loop keeps turning, and health checks from a new connection
//! get through as soon as a place frees). A connection that sends nothing within
//! `handshake` (not even the HTTP/2 preface) is closed; so is one that has had no call in
//! flight for `idle`. Calls are counted per connection by [`TrackLayer`], which tonic runs
//! around every request: a quiet `WatchEvents` stream is a call in flight, so it is never
//! "idle", whereas HTTP/2 pings are not calls. Closing is an end of file handed to hyper, which
//! then drops the connection. On shutdown, hyper closes the connections without a call; the
//! handshake timeout closes those that never spoke.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tonic::transport::server::{Connected, TcpConnectInfo};

/// Limits on connections.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    /// Longest wait for a new connection's first bytes.
    pub handshake: Duration,
    /// Longest time a connection stays open with no call in flight.
    pub idle: Duration,
}

#[derive(Debug)]
struct State {
    active: AtomicUsize,
    last_call: Mutex<Instant>,
}

/// Connections by peer address, shared by the accept loop and the request layer.
#[derive(Debug, Default)]
pub struct Registry {
    conns: Mutex<HashMap<SocketAddr, Arc<State>>>,
}

impl Registry {
    fn state(&self, peer: &SocketAddr) -> Option<Arc<State>> {
        self.conns.lock().ok()?.get(peer).cloned()
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.conns.lock().map(|c| c.len()).unwrap_or(0)
    }
}

/// An accepted connection, closed when it idles.
pub struct Conn {
    inner: TcpStream,
    peer: Option<SocketAddr>,
    state: Arc<State>,
    registry: Arc<Registry>,
    limits: ConnectionLimits,
    timer: Pin<Box<Sleep>>,
    started: bool,
    _place: OwnedSemaphorePermit,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("peer", &self.peer).finish()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let (Some(peer), Ok(mut conns)) = (self.peer, self.registry.conns.lock()) {
            conns.remove(&peer);
        }
    }
}

impl Conn {
    /// Whether the connection should close now; re-arms the timer otherwise.
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return false;
            }
            let now = Instant::now();
            if !self.started {
                return true;
            }
            if self.state.active.load(Ordering::SeqCst) > 0 {
                self.timer.as_mut().reset(now + self.limits.idle);
                continue;
            }
            let last = self.state.last_call.lock().map(|t| *t).unwrap_or(now);
            if now.duration_since(last) >= self.limits.idle {
                return true;
            }
            self.timer.as_mut().reset(last + self.limits.idle);
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before && !self.started {
                    self.started = true;
                    let at = Instant::now() + self.limits.idle;
                    self.timer.as_mut().reset(at);
                }
                Poll::Ready(r)
            }
            // Nothing to read: an end of file if the connection has idled out.
            Poll::Pending if self.expired(cx) => Poll::Ready(Ok(())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Connected for Conn {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.inner.connect_info()
    }
}

/// Accepts connections up to the cap, wrapped so that they close when they idle.
pub fn incoming(
    listener: TcpListener,
    limits: ConnectionLimits,
    registry: Arc<Registry>,
) -> impl Stream<Item = std::io::Result<Conn>> {
    let places = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    futures::stream::unfold(
        (listener, places, registry),
        move |(listener, places, registry)| async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Ok(place) = places.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, max = limits.max_connections, "connection refused: too many open");
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let state = Arc::new(State {
                    active: AtomicUsize::new(0),
                    last_call: Mutex::new(Instant::now()),
                });
                if let Ok(mut conns) = registry.conns.lock() {
                    conns.insert(peer, state.clone());
                }
                let conn = Conn {
                    inner: stream,
                    peer: Some(peer),
                    state,
                    registry: registry.clone(),
                    limits,
                    timer: Box::pin(tokio::time::sleep(limits.handshake)),
                    started: false,
                    _place: place,
                };
                return Some((Ok(conn), (listener, places, registry)));
            }
        },
    )
}

/// Counts the calls in flight per connection (see the module doc).
#[derive(Debug, Clone)]
pub struct TrackLayer {
    pub registry: Arc<Registry>,
}

impl<S> tower_layer::Layer<S> for TrackLayer {
    type Service = Track<S>;

    fn layer(&self, inner: S) -> Track<S> {
        Track {
            inner,
            registry: self.registry.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Track<S> {
    inner: S,
    registry: Arc<Registry>,
}

/// One call in flight; dropped with the response body.
#[derive(Debug)]
pub struct Call(Option<Arc<State>>);

impl Call {
    fn start(state: Option<Arc<State>>) -> Call {
        if let Some(s) = &state {
            s.active.fetch_add(1, Ordering::SeqCst);
        }
        Call(state)
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if let Some(s) = &self.0 {
            if let Ok(mut t) = s.last_call.lock() {
                *t = Instant::now();
            }
            s.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

impl<S, B, R> tower_service::Service<http::Request<B>> for Track<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Tracked<R>>;
    type Error = S::Error;
    type Future =
        Pin<Box<dyn Future<Output = Result<http::Response<Tracked<R>>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let state = req
            .extensions()
            .get::<TcpConnectInfo>()
            .and_then(|i| i.remote_addr)
            .and_then(|peer| self.registry.state(&peer));
        let call = Call::start(state);
        let fut = self.inner.call(req);
        Box::pin(async move {
            let resp = fut.await?;
            Ok(resp.map(|body| Tracked { body, _call: call }))
        })
    }
}

pin_project_lite::pin_project! {
    /// A response body that keeps its call counted until it is sent or dropped.
    pub struct Tracked<B> {
        #[pin]
        body: B,
        _call: Call,
    }
}

impl<B: http_body::Body> http_body::Body for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
        self.project().body.poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
