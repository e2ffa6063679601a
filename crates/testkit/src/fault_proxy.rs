//! A seeded, fault-injecting HTTP/1.1 proxy to put between S3 clients and a real S3 server.
//!
//! Design: plain tokio TCP. Each client connection gets its own upstream connection, and the proxy
//! parses HTTP framing only as far as it must to find request and response boundaries (heads,
//! `Content-Length`, `Transfer-Encoding: chunked`, close-delimited responses). Everything else —
//! header names, their case and order, `Host`, signatures, aws-chunked bodies, trailers — passes
//! through byte for byte, so signed requests stay valid. Bodies are streamed in 64 KiB pieces,
//! never buffered whole. A hand-written framer was chosen over hyper because hyper would re-frame
//! bodies and normalise header case, and because turning on hyper's server feature here would
//! change hyper's feature set for every crate that dev-depends on this one (rebuilding the SDK).
//!
//! Pausing: while paused the proxy keeps *accepting* connections (a stalled server, not a dead
//! one: clients connect fine, then hear nothing), and every request head, and every piece of body
//! data in flight, waits until [`FaultProxy::resume`].
//!
//! Reproducibility: the n-th request decided while faults are on gets its fault from
//! `(seed, n)` alone, so sequential requests replay exactly for a seed; with concurrent requests
//! only the assignment of numbers to requests depends on timing. [`FaultProxy::records`] tells
//! which request got what.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

/// One kind of failure the proxy injects in place of a normal exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// `500 InternalError` with an S3 XML error body; the request is not forwarded.
    InternalError,
    /// `503 SlowDown` with an S3 XML error body; the request is not forwarded.
    SlowDown,
    /// The client connection is reset right after the request head, its body unread.
    Reset,
    /// The whole request is read, not forwarded, and the client connection is reset.
    ResetAfterRequest,
    /// The whole request is read, held for [`FaultConfig::timeout_delay`], then the connection is closed.
    Timeout,
    /// The request is forwarded (the server applies it) but the client connection is reset instead
    /// of returning the response.
    FailAfterForward,
}

impl FaultKind {
    /// Every kind, in the order their probabilities are stacked when deciding.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::InternalError,
        FaultKind::SlowDown,
        FaultKind::Reset,
        FaultKind::ResetAfterRequest,
        FaultKind::Timeout,
        FaultKind::FailAfterForward,
    ];
}

/// Per-request fault probabilities (each in `0.0..=1.0`) and the settings of the faults that take time.
///
/// The six failure kinds exclude each other: one uniform draw per request picks at most one, so
/// their probabilities should add up to at most 1 (any excess shortens the later kinds). Added
/// latency is drawn independently and combines with any of them.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultConfig {
    /// Probability of [`FaultKind::InternalError`].
    pub internal_error: f64,
    /// Probability of [`FaultKind::SlowDown`].
    pub slow_down: f64,
    /// Probability of [`FaultKind::Reset`].
    pub reset: f64,
    /// Probability of [`FaultKind::ResetAfterRequest`].
    pub reset_after_request: f64,
    /// Probability of [`FaultKind::Timeout`].
    pub timeout: f64,
    /// Probability of [`FaultKind::FailAfterForward`].
    pub fail_after_forward: f64,
    /// Probability that a request is delayed by a uniform `0..max_latency` before it is handled.
    pub latency: f64,
    /// Upper bound of the added latency.
    pub max_latency: Duration,
    /// How long a [`FaultKind::Timeout`] request is held before its connection is dropped.
    pub timeout_delay: Duration,
    /// Drop the conditional headers (`If-Match`, `If-None-Match`) of every request before it
    /// reaches the server: the server then behaves as a store that accepts and ignores them.
    /// Only for servers that do not check signatures (moto), since the headers are signed.
    pub strip_conditions: bool,
    /// Drop the `Range` header of every GET before it reaches the server: the server then sends
    /// the whole object, as a store that ignores ranges does. Only for servers that do not check
    /// signatures (moto), since the header is signed.
    pub ignore_range: bool,
    /// A store stuck on one page of a listing: every ListObjectsV2 reply says it is truncated and
    /// carries the same continuation token ([`REPEATED_TOKEN`]); a request sending that token
    /// back has it dropped before it reaches the server, which so sends its first page again.
    /// Only for servers that do not check signatures (moto), since the query is signed.
    pub repeat_continuation_token: bool,
    /// A store that keeps other bytes than it was sent: every successful PUT reply carries
    /// [`WRONG_ETAG`] (the MD5 of nothing an upload sends) instead of the store's ETag.
    pub wrong_put_etag: bool,
    /// The `<Message>` of injected [`FaultKind::InternalError`] and [`FaultKind::SlowDown`]
    /// replies instead of S3's wording (to test what Pail does with hostile server text).
    pub error_message: Option<String>,
}

/// The ETag of every PUT reply under [`FaultConfig::wrong_put_etag`].
pub const WRONG_ETAG: &str = "00000000000000000000000000000000";

/// The continuation token of every listing page under [`FaultConfig::repeat_continuation_token`].
pub const REPEATED_TOKEN: &str = "pail-fault-proxy-same-page";

impl FaultConfig {
    /// No faults: the proxy forwards transparently.
    pub fn none() -> Self {
        FaultConfig {
            internal_error: 0.0,
            slow_down: 0.0,
            reset: 0.0,
            reset_after_request: 0.0,
            timeout: 0.0,
            fail_after_forward: 0.0,
            latency: 0.0,
            max_latency: Duration::ZERO,
            timeout_delay: Duration::from_secs(2),
            strip_conditions: false,
            ignore_range: false,
            repeat_continuation_token: false,
            wrong_put_etag: false,
            error_message: None,
        }
    }

    /// Moderate chaos: 3 % of each failure kind, 10 % of requests delayed by up to 200 ms, 2 s timeouts.
    pub fn chaos() -> Self {
        FaultConfig {
            internal_error: 0.03,
            slow_down: 0.03,
            reset: 0.03,
            reset_after_request: 0.03,
            timeout: 0.03,
            fail_after_forward: 0.03,
            latency: 0.10,
            max_latency: Duration::from_millis(200),
            timeout_delay: Duration::from_secs(2),
            strip_conditions: false,
            ignore_range: false,
            repeat_continuation_token: false,
            wrong_put_etag: false,
            error_message: None,
        }
    }

    /// This configuration with `kind` happening on every request and no other fault.
    pub fn always(kind: FaultKind) -> Self {
        let mut config = FaultConfig::none();
        *config.probability_mut(kind) = 1.0;
        config
    }

    /// The probability of `kind`.
    pub fn probability(&self, kind: FaultKind) -> f64 {
        match kind {
            FaultKind::InternalError => self.internal_error,
            FaultKind::SlowDown => self.slow_down,
            FaultKind::Reset => self.reset,
            FaultKind::ResetAfterRequest => self.reset_after_request,
            FaultKind::Timeout => self.timeout,
            FaultKind::FailAfterForward => self.fail_after_forward,
        }
    }

    fn probability_mut(&mut self, kind: FaultKind) -> &mut f64 {
        match kind {
            FaultKind::InternalError => &mut self.internal_error,
            FaultKind::SlowDown => &mut self.slow_down,
            FaultKind::Reset => &mut self.reset,
            FaultKind::ResetAfterRequest => &mut self.reset_after_request,
            FaultKind::Timeout => &mut self.timeout,
            FaultKind::FailAfterForward => &mut self.fail_after_forward,
        }
    }
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig::none()
    }
}

/// Counters since the proxy started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultStats {
    /// Request heads read, with faults on or off.
    pub requests: u64,
    /// [`FaultKind::InternalError`] faults injected.
    pub internal_error: u64,
    /// [`FaultKind::SlowDown`] faults injected.
    pub slow_down: u64,
    /// [`FaultKind::Reset`] faults injected.
    pub reset: u64,
    /// [`FaultKind::ResetAfterRequest`] faults injected.
    pub reset_after_request: u64,
    /// [`FaultKind::Timeout`] faults injected.
    pub timeout: u64,
    /// [`FaultKind::FailAfterForward`] faults injected.
    pub fail_after_forward: u64,
    /// Requests given added latency.
    pub delayed: u64,
}

impl FaultStats {
    /// How many faults of `kind` were injected.
    pub fn count(&self, kind: FaultKind) -> u64 {
        match kind {
            FaultKind::InternalError => self.internal_error,
            FaultKind::SlowDown => self.slow_down,
            FaultKind::Reset => self.reset,
            FaultKind::ResetAfterRequest => self.reset_after_request,
            FaultKind::Timeout => self.timeout,
            FaultKind::FailAfterForward => self.fail_after_forward,
        }
    }

    /// Failures injected, all kinds together (added latency is not a failure).
    pub fn faults(&self) -> u64 {
        FaultKind::ALL.iter().map(|k| self.count(*k)).sum()
    }
}

/// What the proxy decided for one request while faults were on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// The decision number: the n-th request decided since start, from 0.
    pub seq: u64,
    /// The request method.
    pub method: String,
    /// The request target (path and query).
    pub target: String,
    /// The failure injected, if any.
    pub fault: Option<FaultKind>,
    /// Latency added before handling the request.
    pub latency: Duration,
}

/// Where a proxy forwards to: a socket address or an `http://host:port` endpoint.
pub trait Upstream {
    /// The upstream's socket address (panics when it cannot be resolved: this is a test fixture).
    fn upstream_addr(&self) -> SocketAddr;
}

impl Upstream for SocketAddr {
    fn upstream_addr(&self) -> SocketAddr {
        *self
    }
}

impl Upstream for str {
    fn upstream_addr(&self) -> SocketAddr {
        assert!(
            !self.starts_with("https://"),
            "the fault proxy speaks plain HTTP only: {self}"
        );
        let hostport = self.strip_prefix("http://").unwrap_or(self).trim_end_matches('/');
        match hostport.to_socket_addrs().map(|mut addrs| addrs.next()) {
            Ok(Some(addr)) => addr,
            Ok(None) => panic!("upstream {self} resolves to no address"),
            Err(e) => panic!("upstream {self} is not host:port: {e}"),
        }
    }
}

impl Upstream for String {
    fn upstream_addr(&self) -> SocketAddr {
        self.as_str().upstream_addr()
    }
}

impl<T: Upstream + ?Sized> Upstream for &T {
    fn upstream_addr(&self) -> SocketAddr {
        (**self).upstream_addr()
    }
}

/// A fault-injecting proxy on a free loopback port, served by its own thread and runtime; dropping it
/// stops it and closes every connection.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` with faults on, decided by `seed` and `config`.
    pub fn start(upstream: impl Upstream, seed: u64, config: FaultConfig) -> FaultProxy {
        let upstream = upstream.upstream_addr();
        let listener = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("fault proxy: no free loopback port: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("fault proxy: no local address: {e}"));
        if let Err(e) = listener.set_nonblocking(true) {
            panic!("fault proxy: cannot make the listener non-blocking: {e}");
        }
        let shared = Arc::new(Shared {
            upstream,
            seed,
            config: Mutex::new(config),
            enabled: AtomicBool::new(true),
            paused: watch::channel(false).0,
            hold: Mutex::new(None),
            counters: Counters::default(),
            log: Mutex::new(Log::default()),
        });
        let (shutdown, stop) = oneshot::channel::<()>();
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("fault-proxy-{}", addr.port()))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(rt) => rt,
                    Err(e) => panic!("fault proxy: no runtime: {e}"),
                };
                rt.block_on(async move {
                    let listener = match TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => panic!("fault proxy: cannot register the listener: {e}"),
                    };
                    tokio::select! {
                        () = accept_loop(listener, serving) => {}
                        _ = stop => {}
                    }
                });
                // Dropping the runtime drops every connection task, which closes its sockets.
            })
            .unwrap_or_else(|e| panic!("fault proxy: cannot spawn its thread: {e}"));
        FaultProxy {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// The endpoint clients use: `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The proxy's listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The upstream the proxy forwards to.
    pub fn upstream(&self) -> SocketAddr {
        self.shared.upstream
    }

    /// The seed fault decisions come from.
    pub fn seed(&self) -> u64 {
        self.shared.seed
    }

    /// Turns faults on or off; off forwards every request untouched and consumes no decision numbers.
    pub fn set_enabled(&self, enabled: bool) {
        self.shared.enabled.store(enabled, Ordering::SeqCst);
    }

    /// Whether faults are on.
    pub fn enabled(&self) -> bool {
        self.shared.enabled.load(Ordering::SeqCst)
    }

    /// Replaces the fault probabilities for requests decided from now on.
    pub fn set_config(&self, config: FaultConfig) {
        *lock(&self.shared.config) = config;
    }

    /// The current fault probabilities.
    pub fn config(&self) -> FaultConfig {
        lock(&self.shared.config).clone()
    }

    /// Stalls the server: connections are still accepted, but no request head is handled and no
    /// body byte moves until [`FaultProxy::resume`].
    pub fn pause(&self) {
        self.shared.paused.send_replace(true);
    }

    /// Lets traffic flow again after [`FaultProxy::pause`].
    pub fn resume(&self) {
        self.shared.paused.send_replace(false);
    }

    /// Holds the next request `matches` picks (and only that one) before it is forwarded, until
    /// [`Held::release`].
    pub fn hold_next(&self, matches: impl Fn(&str, &str, &str) -> bool + Send + Sync + 'static) -> Held {
        let held = Held {
            arrived: Arc::new(tokio::sync::Notify::new()),
            release: Arc::new(tokio::sync::Notify::new()),
        };
        *lock(&self.shared.hold) = Some((Box::new(matches), held.clone()));
        held
    }

    /// Whether the proxy is paused.
    pub fn paused(&self) -> bool {
        *self.shared.paused.borrow()
    }

    /// Counters since start.
    pub fn stats(&self) -> FaultStats {
        self.shared.counters.snapshot()
    }

    /// Every decision made while faults were on, in decision order.
    pub fn records(&self) -> Vec<RequestRecord> {
        lock(&self.shared.log).records.clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        // Held requests must not keep waiting on a proxy that is going away.
        self.shared.paused.send_replace(false);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .field("upstream", &self.shared.upstream)
            .field("seed", &self.shared.seed)
            .field("enabled", &self.enabled())
            .field("paused", &self.paused())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Picks the request a [`FaultProxy::hold_next`] holds: its method, target and whole head (as
/// lossy text).
pub type HoldMatch = Box<dyn Fn(&str, &str, &str) -> bool + Send + Sync>;

/// One request held back by [`FaultProxy::hold_next`] until released: the test does what it
/// wants to happen "in the middle" of a client's work, then lets the request go on.
#[derive(Clone)]
pub struct Held {
    arrived: Arc<tokio::sync::Notify>,
    release: Arc<tokio::sync::Notify>,
}

impl Held {
    /// Waits until the matching request reached the proxy (it is held there).
    pub async fn arrived(&self) {
        self.arrived.notified().await;
    }

    /// Lets the held request go on to the server.
    pub fn release(&self) {
        self.release.notify_one();
    }
}

struct Shared {
    hold: Mutex<Option<(HoldMatch, Held)>>,
    upstream: SocketAddr,
    seed: u64,
    config: Mutex<FaultConfig>,
    enabled: AtomicBool,
    paused: watch::Sender<bool>,
    counters: Counters,
    log: Mutex<Log>,
}

#[derive(Default)]
struct Log {
    next_seq: u64,
    records: Vec<RequestRecord>,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    faults: [AtomicU64; 6],
    delayed: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> FaultStats {
        let f = |kind: FaultKind| self.faults[kind_index(kind)].load(Ordering::SeqCst);
        FaultStats {
            requests: self.requests.load(Ordering::SeqCst),
            internal_error: f(FaultKind::InternalError),
            slow_down: f(FaultKind::SlowDown),
            reset: f(FaultKind::Reset),
            reset_after_request: f(FaultKind::ResetAfterRequest),
            timeout: f(FaultKind::Timeout),
            fail_after_forward: f(FaultKind::FailAfterForward),
            delayed: self.delayed.load(Ordering::SeqCst),
        }
    }
}

fn kind_index(kind: FaultKind) -> usize {
    FaultKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl Shared {
    async fn wait_running(&self) {
        if !*self.paused.borrow() {
            return;
        }
        let mut rx = self.paused.subscribe();
        let _ = rx.wait_for(|paused| !*paused).await;
    }

    /// Writes once the proxy is not paused, so a pause also stalls data already in flight.
    async fn put<W: AsyncWrite + Unpin>(&self, w: &mut W, bytes: &[u8]) -> std::io::Result<()> {
        self.wait_running().await;
        w.write_all(bytes).await
    }

    fn decide(&self, req: &RequestHead) -> (u64, Decision) {
        self.counters.requests.fetch_add(1, Ordering::SeqCst);
        if !self.enabled.load(Ordering::SeqCst) {
            return (0, Decision::default());
        }
        let config = lock(&self.config).clone();
        // Numbering and logging under one lock keeps the records in decision order.
        let mut log = lock(&self.log);
        let seq = log.next_seq;
        log.next_seq += 1;
        let decision = decide(&config, self.seed, seq);
        if let Some(kind) = decision.fault {
            self.counters.faults[kind_index(kind)].fetch_add(1, Ordering::SeqCst);
        }
        if !decision.latency.is_zero() {
            self.counters.delayed.fetch_add(1, Ordering::SeqCst);
        }
        log.records.push(RequestRecord {
            seq,
            method: req.method.clone(),
            target: req.target.clone(),
            fault: decision.fault,
            latency: decision.latency,
        });
        (seq, decision)
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Decision {
    fault: Option<FaultKind>,
    latency: Duration,
}

/// SplitMix64: tiny, seedable, and good enough to spread fault decisions.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The decision for request number `seq`: a pure function, so a seed replays whatever ran before.
fn decide(config: &FaultConfig, seed: u64, seq: u64) -> Decision {
    let mut rng = SplitMix64(seed ^ SplitMix64(seq).next_u64());
    // Always three draws, so one setting never shifts the randomness another one sees.
    let (pick, delay, amount) = (rng.unit(), rng.unit(), rng.unit());
    let mut fault = None;
    let mut edge = 0.0;
    for kind in FaultKind::ALL {
        edge += config.probability(kind).clamp(0.0, 1.0);
        if pick < edge {
            fault = Some(kind);
            break;
        }
    }
    let latency = if delay < config.latency.clamp(0.0, 1.0) {
        config.max_latency.mul_f64(amount)
    } else {
        Duration::ZERO
    };
    Decision { fault, latency }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(serve(stream, shared.clone()));
            }
            // Out of descriptors and the like: back off rather than spin.
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

async fn serve(client: TcpStream, shared: Arc<Shared>) {
    let _ = client.set_nodelay(true);
    let (r, w) = client.into_split();
    let conn = Conn {
        client_r: Reader::new(r),
        client_w: w,
        upstream: None,
    };
    // An error only ends this connection; the client sees it closed.
    let _ = conn.run(&shared).await;
}

const READ_CHUNK: usize = 64 * 1024;
const MAX_HEAD: usize = 64 * 1024;
const MAX_LINE: usize = 16 * 1024;
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

fn eof(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::UnexpectedEof, what.to_owned())
}

/// A read half with the bytes received but not yet consumed.
struct Reader {
    r: OwnedReadHalf,
    buf: Vec<u8>,
}

impl Reader {
    fn new(r: OwnedReadHalf) -> Self {
        Reader {
            r,
            buf: Vec::with_capacity(READ_CHUNK),
        }
    }

    /// Reads more bytes (0 at end of stream). Cancel-safe: nothing is lost if dropped while waiting.
    async fn fill(&mut self) -> std::io::Result<usize> {
        self.buf.reserve(READ_CHUNK);
        self.r.read_buf(&mut self.buf).await
    }

    /// The next message head, through its blank line; `None` at a clean end of stream. Cancel-safe.
    async fn read_head(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let mut scanned = 0;
        loop {
            // Stray CRLFs between messages are allowed (RFC 9112 §2.2).
            let before = self.buf.len();
            while self.buf.starts_with(b"\r\n") {
                self.buf.drain(..2);
            }
            if self.buf.len() != before {
                scanned = 0;
            }
            if let Some(at) = find(&self.buf[scanned..], b"\r\n\r\n") {
                let end = scanned + at + 4;
                return Ok(Some(self.buf.drain(..end).collect()));
            }
            scanned = self.buf.len().saturating_sub(3);
            if self.buf.len() > MAX_HEAD {
                return Err(invalid("message head too large"));
            }
            if self.fill().await? == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(eof("stream ended inside a message head"))
                };
            }
        }
    }

    /// One line including its line end.
    async fn read_line(&mut self) -> std::io::Result<Vec<u8>> {
        let mut scanned = 0;
        loop {
            if let Some(at) = self.buf[scanned..].iter().position(|b| *b == b'\n') {
                let end = scanned + at + 1;
                return Ok(self.buf.drain(..end).collect());
            }
            scanned = self.buf.len();
            if self.buf.len() > MAX_LINE {
                return Err(invalid("line too long"));
            }
            if self.fill().await? == 0 {
                return Err(eof("stream ended inside a line"));
            }
        }
    }

    async fn copy_exact<W: AsyncWrite + Unpin>(
        &mut self,
        mut n: u64,
        w: &mut W,
        shared: &Shared,
    ) -> std::io::Result<()> {
        while n > 0 {
            if self.buf.is_empty() && self.fill().await? == 0 {
                return Err(eof("stream ended inside a body"));
            }
            let take = usize::try_from(n).unwrap_or(usize::MAX).min(self.buf.len());
            shared.put(w, &self.buf[..take]).await?;
            self.buf.drain(..take);
            n -= take as u64;
        }
        Ok(())
    }

    async fn copy_chunked<W: AsyncWrite + Unpin>(&mut self, w: &mut W, shared: &Shared) -> std::io::Result<()> {
        loop {
            let line = self.read_line().await?;
            let size = chunk_size(&line).ok_or_else(|| invalid("bad chunk size line"))?;
            shared.put(w, &line).await?;
            if size == 0 {
                loop {
                    let trailer = self.read_line().await?;
                    shared.put(w, &trailer).await?;
                    if trailer == b"\r\n" || trailer == b"\n" {
                        return Ok(());
                    }
                }
            }
            // The chunk's data and the CRLF after it.
            self.copy_exact(size + 2, w, shared).await?;
        }
    }

    async fn copy_to_eof<W: AsyncWrite + Unpin>(&mut self, w: &mut W, shared: &Shared) -> std::io::Result<()> {
        loop {
            if !self.buf.is_empty() {
                shared.put(w, &self.buf).await?;
                self.buf.clear();
            }
            if self.fill().await? == 0 {
                return Ok(());
            }
        }
    }

    async fn copy_body<W: AsyncWrite + Unpin>(
        &mut self,
        framing: Framing,
        w: &mut W,
        shared: &Shared,
    ) -> std::io::Result<()> {
        match framing {
            Framing::Empty => Ok(()),
            Framing::Length(n) => self.copy_exact(n, w, shared).await,
            Framing::Chunked => self.copy_chunked(w, shared).await,
            Framing::UntilEof => self.copy_to_eof(w, shared).await,
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits: Vec<u8> = line.iter().copied().take_while(|b| b.is_ascii_hexdigit()).collect();
    let rest = &line[digits.len()..];
    let well_ended = matches!(rest.first(), Some(b';' | b'\r' | b'\n' | b' ' | b'\t'));
    if digits.is_empty() || !well_ended {
        return None;
    }
    u64::from_str_radix(std::str::from_utf8(&digits).ok()?, 16).ok()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilEof,
}

/// The headers that decide framing and connection reuse.
#[derive(Default)]
struct FramingHeaders {
    content_length: Option<u64>,
    transfer_encoding: Option<String>,
    expect_continue: bool,
    close: bool,
    keep_alive: bool,
}

impl FramingHeaders {
    fn parse<'a>(lines: impl Iterator<Item = &'a str>) -> Option<Self> {
        let mut h = FramingHeaders::default();
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':')?;
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => h.content_length = Some(value.parse().ok()?),
                "transfer-encoding" => h.transfer_encoding = Some(value.to_ascii_lowercase()),
                "expect" => h.expect_continue = value.eq_ignore_ascii_case("100-continue"),
                "connection" => {
                    for token in value.split(',').map(str::trim) {
                        h.close |= token.eq_ignore_ascii_case("close");
                        h.keep_alive |= token.eq_ignore_ascii_case("keep-alive");
                    }
                }
                _ => {}
            }
        }
        Some(h)
    }

    fn is_chunked(&self) -> bool {
        self.transfer_encoding
            .as_deref()
            .and_then(|te| te.rsplit(',').next())
            .is_some_and(|last| last.trim() == "chunked")
    }

    fn persistent(&self, http10: bool) -> bool {
        !self.close && (!http10 || self.keep_alive)
    }
}

struct RequestHead {
    method: String,
    target: String,
    framing: Framing,
    expect_continue: bool,
    close: bool,
}

impl RequestHead {
    fn parse(head: &[u8]) -> Option<Self> {
        // Header values may hold non-UTF-8 bytes; only ASCII names and values matter here.
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let mut request_line = lines.next()?.split(' ');
        let (method, target, version) = (request_line.next()?, request_line.next()?, request_line.next()?);
        if !version.starts_with("HTTP/1.") {
            return None;
        }
        let h = FramingHeaders::parse(lines)?;
        let framing = if h.transfer_encoding.is_some() {
            if !h.is_chunked() {
                return None;
            }
            Framing::Chunked
        } else {
            match h.content_length {
                Some(0) | None => Framing::Empty,
                Some(n) => Framing::Length(n),
            }
        };
        Some(RequestHead {
            method: method.to_owned(),
            target: target.to_owned(),
            framing,
            expect_continue: h.expect_continue,
            close: !h.persistent(version == "HTTP/1.0"),
        })
    }

    fn is_head(&self) -> bool {
        self.method.eq_ignore_ascii_case("HEAD")
    }
}

struct ResponseHead {
    status: u16,
    framing: Framing,
    persistent: bool,
}

impl ResponseHead {
    fn parse(head: &[u8], request: &RequestHead) -> Option<Self> {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let mut status_line = lines.next()?.splitn(3, ' ');
        let version = status_line.next()?;
        let status: u16 = status_line.next()?.parse().ok()?;
        if !version.starts_with("HTTP/1.") {
            return None;
        }
        let h = FramingHeaders::parse(lines)?;
        let framing = if request.is_head() || (100..200).contains(&status) || status == 204 || status == 304 {
            Framing::Empty
        } else if h.transfer_encoding.is_some() {
            if h.is_chunked() {
                Framing::Chunked
            } else {
                Framing::UntilEof
            }
        } else {
            match h.content_length {
                Some(0) => Framing::Empty,
                Some(n) => Framing::Length(n),
                None => Framing::UntilEof,
            }
        };
        Some(ResponseHead {
            status,
            framing,
            persistent: h.persistent(version == "HTTP/1.0") && framing != Framing::UntilEof,
        })
    }

    fn is_interim(&self) -> bool {
        (100..200).contains(&self.status) && self.status != 101
    }
}

fn error_response(kind: FaultKind, request: &RequestHead, seq: u64, custom: Option<&str>) -> Vec<u8> {
    let (status, reason, code, message) = match kind {
        FaultKind::SlowDown => (503, "Slow Down", "SlowDown", "Please reduce your request rate."),
        _ => (
            500,
            "Internal Server Error",
            "InternalError",
            "We encountered an internal error. Please try again.",
        ),
    };
    let request_id = format!("PAILFAULT{seq:07}");
    let message = custom.map_or_else(|| message.to_owned(), xml_text);
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
         <RequestId>{request_id}</RequestId><HostId>pail-fault-proxy</HostId></Error>"
    );
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
         x-amz-request-id: {request_id}\r\n{}\r\n",
        body.len(),
        if request.close { "Connection: close\r\n" } else { "" }
    )
    .into_bytes();
    // A HEAD response announces the body's length but carries none.
    if !request.is_head() {
        out.extend_from_slice(body.as_bytes());
    }
    out
}

fn plain_response(status: u16, reason: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").into_bytes()
}

/// `text` with XML's special characters escaped, for an element's content.
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A message head without the header lines named in `names` (lowercase).
fn without_headers(head: &[u8], names: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len());
    for (n, line) in head.split_inclusive(|b| *b == b'\n').enumerate() {
        let name = line.split(|b| *b == b':').next().unwrap_or(&[]);
        // The first line is the request or status line, never a header.
        if n == 0 || !names.iter().any(|drop| name.eq_ignore_ascii_case(drop)) {
            out.extend_from_slice(line);
        }
    }
    out
}

/// A request head without its `If-Match` and `If-None-Match` lines.
fn without_conditions(head: &[u8]) -> Vec<u8> {
    without_headers(head, &[b"if-match", b"if-none-match"])
}

/// The request head as the server gets it under `config`'s rewriting faults.
fn rewrite_request(head: &[u8], req: &RequestHead, config: &FaultConfig) -> Vec<u8> {
    let mut out = head.to_vec();
    if config.strip_conditions {
        out = without_conditions(&out);
    }
    if config.ignore_range && req.method.eq_ignore_ascii_case("GET") {
        out = without_headers(&out, &[b"range"]);
    }
    if config.repeat_continuation_token && is_list_v2(req) {
        out = without_repeated_token(&out);
    }
    out
}

/// The data of a `Transfer-Encoding: chunked` body (trailers dropped); `None` if malformed.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    loop {
        let line_end = find(raw, b"\r\n")?;
        let size = usize::try_from(chunk_size(&raw[..line_end + 2])?).ok()?;
        if size == 0 {
            return Some(out);
        }
        let data = raw.get(line_end + 2..line_end + 2 + size)?;
        out.extend_from_slice(data);
        raw = raw.get(line_end + 2 + size + 2..)?;
    }
}

/// Whether a request is a ListObjectsV2 (`GET /bucket?list-type=2…`, path style).
fn is_list_v2(req: &RequestHead) -> bool {
    req.method == "GET"
        && req
            .target
            .split_once('?')
            .is_some_and(|(_, query)| query.split('&').any(|p| p == "list-type=2"))
}

/// The request head with the continuation token dropped from its query when it is the
/// proxy's own [`REPEATED_TOKEN`].
fn without_repeated_token(head: &[u8]) -> Vec<u8> {
    let line_end = find(head, b"\r\n").unwrap_or(head.len());
    let line = String::from_utf8_lossy(&head[..line_end]);
    let mut parts = line.splitn(3, ' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return head.to_vec();
    };
    let Some((path, query)) = target.split_once('?') else {
        return head.to_vec();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| *p != format!("continuation-token={REPEATED_TOKEN}"))
        .collect();
    let mut out = format!("{method} {path}?{} {version}", kept.join("&")).into_bytes();
    out.extend_from_slice(&head[line_end..]);
    out
}

/// `xml` without any `<element>…</element>`.
fn without_element(xml: &str, element: &str) -> String {
    let (open, close) = (format!("<{element}>"), format!("</{element}>"));
    let mut kept = String::with_capacity(xml.len());
    let mut tail = xml;
    while let Some(start) = tail.find(&open) {
        kept.push_str(&tail[..start]);
        tail = tail[start..]
            .find(&close)
            .map_or("", |end| &tail[start + end + close.len()..]);
    }
    kept.push_str(tail);
    kept
}

/// A ListBucketResult that says it is truncated and continues at [`REPEATED_TOKEN`], whatever
/// the server said about truncation and the next page.
fn repeat_page(body: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(body);
    let mut out = without_element(&without_element(&text, "IsTruncated"), "NextContinuationToken");
    let insert =
        format!("<IsTruncated>true</IsTruncated><NextContinuationToken>{REPEATED_TOKEN}</NextContinuationToken>");
    match out.rfind("</ListBucketResult>") {
        Some(at) => out.insert_str(at, &insert),
        None => out.push_str(&insert),
    }
    out.into_bytes()
}

/// A message head without the headers `drop` (lowercase), with `line` added as its last header.
fn with_header(head: &[u8], drop: &[&[u8]], line: &str) -> Vec<u8> {
    let mut out = without_headers(head, drop);
    // The blank line that ends the head stays last.
    let end = out.len().saturating_sub(2);
    out.splice(end..end, format!("{line}\r\n").into_bytes());
    out
}

/// A response head announcing a body of `len` bytes instead of its own framing.
fn with_length(head: &[u8], len: usize) -> Vec<u8> {
    with_header(
        head,
        &[b"content-length", b"transfer-encoding"],
        &format!("Content-Length: {len}"),
    )
}

struct UpstreamConn {
    r: Reader,
    w: OwnedWriteHalf,
}

/// One client connection and the upstream connection serving it.
struct Conn {
    client_r: Reader,
    client_w: OwnedWriteHalf,
    upstream: Option<UpstreamConn>,
}

impl Conn {
    async fn run(mut self, shared: &Shared) -> std::io::Result<()> {
        loop {
            let Some(head) = self.next_head().await? else {
                return Ok(());
            };
            shared.wait_running().await;
            let Some(req) = RequestHead::parse(&head) else {
                let _ = self.client_w.write_all(&plain_response(400, "Bad Request")).await;
                return Ok(());
            };
            let held = {
                let mut hold = lock(&shared.hold);
                let text = String::from_utf8_lossy(&head);
                match hold.take() {
                    Some((matches, held)) if matches(&req.method, &req.target, &text) => Some(held),
                    other => {
                        *hold = other;
                        None
                    }
                }
            };
            if let Some(held) = held {
                held.arrived.notify_one();
                held.release.notified().await;
            }
            let (seq, decision) = shared.decide(&req);
            if !decision.latency.is_zero() {
                tokio::time::sleep(decision.latency).await;
            }
            match decision.fault {
                None => {
                    if !self.forward(&head, &req, false, shared).await? {
                        return Ok(());
                    }
                }
                Some(kind @ (FaultKind::InternalError | FaultKind::SlowDown)) => {
                    // Reading the body first keeps the connection usable and lets the client see the status.
                    self.drain_request(&req, shared).await?;
                    let message = shared.error_message();
                    let reply = error_response(kind, &req, seq, message.as_deref());
                    shared.put(&mut self.client_w, &reply).await?;
                    if req.close {
                        return Ok(());
                    }
                }
                Some(FaultKind::Reset) => {
                    self.reset();
                    return Ok(());
                }
                Some(FaultKind::ResetAfterRequest) => {
                    self.drain_request(&req, shared).await?;
                    self.reset();
                    return Ok(());
                }
                Some(FaultKind::Timeout) => {
                    self.drain_request(&req, shared).await?;
                    tokio::time::sleep(shared.config_timeout_delay()).await;
                    return Ok(());
                }
                Some(FaultKind::FailAfterForward) => {
                    self.forward(&head, &req, true, shared).await?;
                    self.reset();
                    return Ok(());
                }
            }
        }
    }

    /// Waits for the client's next request head while watching the idle upstream connection, so
    /// one the server closes between requests is replaced rather than written to.
    async fn next_head(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        loop {
            let Some(up) = self.upstream.as_mut() else {
                return self.client_r.read_head().await;
            };
            tokio::select! {
                head = self.client_r.read_head() => return head,
                _ = up.r.fill() => {}
            }
            // The server closed the idle connection (or spoke out of turn): drop it.
            self.upstream = None;
        }
    }

    async fn drain_request(&mut self, req: &RequestHead, shared: &Shared) -> std::io::Result<()> {
        if req.framing == Framing::Empty {
            return Ok(());
        }
        if req.expect_continue {
            shared.put(&mut self.client_w, CONTINUE).await?;
        }
        self.client_r
            .copy_body(req.framing, &mut tokio::io::sink(), shared)
            .await
    }

    /// Forwards one exchange; with `swallow` the final response head is read but not passed on.
    /// Returns whether both connections may serve another request.
    async fn forward(
        &mut self,
        head: &[u8],
        req: &RequestHead,
        swallow: bool,
        shared: &Shared,
    ) -> std::io::Result<bool> {
        let up = match self.upstream.take() {
            Some(up) => up,
            None => match TcpStream::connect(shared.upstream).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    let (r, w) = stream.into_split();
                    UpstreamConn { r: Reader::new(r), w }
                }
                Err(_) => {
                    let _ = self.client_w.write_all(&plain_response(502, "Bad Gateway")).await;
                    return Ok(false);
                }
            },
        };
        let UpstreamConn {
            r: mut up_r,
            w: mut up_w,
        } = up;
        let config = lock(&shared.config).clone();
        shared.put(&mut up_w, &rewrite_request(head, req, &config)).await?;
        let repeat_page_of = config.repeat_continuation_token && is_list_v2(req);
        let (client_r, client_w) = (&mut self.client_r, &mut self.client_w);
        // Both directions run at once: with `Expect: 100-continue` the server speaks before the body.
        let send = async {
            client_r.copy_body(req.framing, &mut up_w, shared).await?;
            Ok::<_, std::io::Error>(())
        };
        let receive = async {
            loop {
                let head = up_r
                    .read_head()
                    .await?
                    .ok_or_else(|| eof("upstream closed without a response"))?;
                let resp = ResponseHead::parse(&head, req).ok_or_else(|| invalid("bad upstream response head"))?;
                if resp.is_interim() {
                    shared.put(client_w, &head).await?;
                    continue;
                }
                if swallow {
                    return Ok(false);
                }
                if repeat_page_of && resp.status == 200 {
                    // A listing page is small: read it whole, rewrite it, send it with its new length.
                    let mut raw = Vec::new();
                    up_r.copy_body(resp.framing, &mut raw, shared).await?;
                    let body = match resp.framing {
                        Framing::Chunked => dechunk(&raw).ok_or_else(|| invalid("bad chunked listing body"))?,
                        _ => raw,
                    };
                    let body = repeat_page(&body);
                    shared.put(client_w, &with_length(&head, body.len())).await?;
                    shared.put(client_w, &body).await?;
                    return Ok(resp.persistent);
                }
                let head = if config.wrong_put_etag && req.method == "PUT" && resp.status == 200 {
                    with_header(&head, &[b"etag"], &format!("ETag: \"{WRONG_ETAG}\""))
                } else {
                    head
                };
                shared.put(client_w, &head).await?;
                up_r.copy_body(resp.framing, client_w, shared).await?;
                return Ok(resp.persistent);
            }
        };
        let ((), persistent) = tokio::try_join!(send, receive)?;
        let keep = persistent && !req.close;
        if keep {
            self.upstream = Some(UpstreamConn { r: up_r, w: up_w });
        }
        Ok(keep)
    }

    /// Closes the client connection with a TCP reset rather than an orderly close.
    fn reset(self) {
        if let Ok(stream) = self.client_r.r.reunite(self.client_w) {
            let _ = stream.set_zero_linger();
        }
    }
}

impl Shared {
    fn config_timeout_delay(&self) -> Duration {
        lock(&self.config).timeout_delay
    }

    fn error_message(&self) -> Option<String> {
        lock(&self.config).error_message.clone()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stripping_conditions_keeps_every_other_header_line() {
        let head = b"PUT /b/k HTTP/1.1\r\nHost: x\r\nIf-Match: \"e\"\r\nif-none-match: *\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(
            super::without_conditions(head),
            b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".to_vec()
        );
    }

    use super::*;

    fn head_of(s: &str) -> RequestHead {
        RequestHead::parse(s.as_bytes()).unwrap_or_else(|| panic!("unparsed: {s}"))
    }

    #[test]
    fn ignoring_ranges_drops_only_the_range_of_a_get() {
        let config = FaultConfig {
            ignore_range: true,
            ..FaultConfig::none()
        };
        let get = "GET /b/k HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\nx-amz-date: 1\r\n\r\n";
        assert_eq!(
            rewrite_request(get.as_bytes(), &head_of(get), &config),
            b"GET /b/k HTTP/1.1\r\nHost: x\r\nx-amz-date: 1\r\n\r\n".to_vec()
        );
        let put = "PUT /b/k HTTP/1.1\r\nRange: bytes=0-9\r\n\r\n";
        assert_eq!(rewrite_request(put.as_bytes(), &head_of(put), &config), put.as_bytes());
        assert_eq!(
            rewrite_request(get.as_bytes(), &head_of(get), &FaultConfig::none()),
            get.as_bytes()
        );
    }

    #[test]
    fn a_repeated_listing_drops_only_the_proxys_own_token() {
        let config = FaultConfig {
            repeat_continuation_token: true,
            ..FaultConfig::none()
        };
        let ours =
            format!("GET /b?list-type=2&continuation-token={REPEATED_TOKEN}&prefix=p%2F HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(
            rewrite_request(ours.as_bytes(), &head_of(&ours), &config),
            b"GET /b?list-type=2&prefix=p%2F HTTP/1.1\r\nHost: x\r\n\r\n".to_vec()
        );
        let theirs = "GET /b?list-type=2&continuation-token=abc HTTP/1.1\r\n\r\n";
        assert_eq!(
            rewrite_request(theirs.as_bytes(), &head_of(theirs), &config),
            theirs.as_bytes()
        );
        assert!(!is_list_v2(&head_of("GET /b?list-type=20 HTTP/1.1\r\n\r\n")));
        assert!(!is_list_v2(&head_of("GET /b/k?list-type HTTP/1.1\r\n\r\n")));
    }

    #[test]
    fn every_listing_page_says_more_follows_at_the_same_token() {
        let last = b"<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated>\
            <Contents><Key>a</Key></Contents></ListBucketResult>";
        let want = format!(
            "<?xml version=\"1.0\"?><ListBucketResult><Name>b</Name><Contents><Key>a</Key></Contents>\
             <IsTruncated>true</IsTruncated><NextContinuationToken>{REPEATED_TOKEN}</NextContinuationToken></ListBucketResult>"
        );
        assert_eq!(String::from_utf8_lossy(&repeat_page(last)), want);
        let middle = b"<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t1</NextContinuationToken></ListBucketResult>";
        assert_eq!(
            String::from_utf8_lossy(&repeat_page(middle)),
            format!("<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>{REPEATED_TOKEN}</NextContinuationToken></ListBucketResult>")
        );
    }

    #[test]
    fn rewritten_bodies_get_their_new_length() {
        let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/xml\r\n\r\n";
        assert_eq!(
            with_length(head, 42),
            b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 42\r\n\r\n".to_vec()
        );
        assert_eq!(
            with_header(b"HTTP/1.1 200 OK\r\nETag: \"abc\"\r\n\r\n", &[b"etag"], "ETag: \"x\""),
            b"HTTP/1.1 200 OK\r\nETag: \"x\"\r\n\r\n".to_vec()
        );
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"),
            Some(b"abcde".to_vec())
        );
        assert_eq!(dechunk(b"5\r\nab"), None);
    }

    #[test]
    fn a_custom_error_message_is_sent_as_xml_text() {
        let get = head_of("GET /b HTTP/1.1\r\n\r\n");
        let reply = error_response(FaultKind::InternalError, &get, 1, Some("one\ntwo <&>"));
        let text = String::from_utf8_lossy(&reply);
        assert!(text.contains("<Message>one\ntwo &lt;&amp;&gt;</Message>"), "{text}");
    }

    #[test]
    fn certain_faults_always_fire_and_none_never_does() {
        for kind in FaultKind::ALL {
            let config = FaultConfig::always(kind);
            assert!(
                (0..1000).all(|n| decide(&config, 42, n).fault == Some(kind)),
                "{kind:?}"
            );
        }
        let none = FaultConfig::none();
        assert!((0..1000).all(|n| decide(&none, 42, n) == Decision::default()));
    }

    #[test]
    fn chaos_rates_are_close_to_configured() {
        let config = FaultConfig::chaos();
        let n = 100_000;
        let mut counts = [0u32; 6];
        let mut delayed = 0;
        for seq in 0..n {
            let d = decide(&config, 7, seq);
            if let Some(kind) = d.fault {
                counts[kind_index(kind)] += 1;
            }
            if !d.latency.is_zero() {
                delayed += 1;
                assert!(d.latency <= config.max_latency);
            }
        }
        for c in counts {
            assert!((2_500..3_500).contains(&c), "{counts:?}");
        }
        assert!((9_000..11_000).contains(&delayed), "{delayed}");
    }

    #[test]
    fn decisions_depend_on_seed_and_number_only() {
        let config = FaultConfig::chaos();
        let a: Vec<_> = (0..500).map(|n| decide(&config, 1, n)).collect();
        let b: Vec<_> = (0..500).map(|n| decide(&config, 1, n)).collect();
        let c: Vec<_> = (0..500).map(|n| decide(&config, 2, n)).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn chunk_size_lines() {
        assert_eq!(chunk_size(b"1a\r\n"), Some(26));
        assert_eq!(chunk_size(b"10000;chunk-signature=abc\r\n"), Some(65536));
        assert_eq!(chunk_size(b"0\r\n"), Some(0));
        assert_eq!(chunk_size(b"\r\n"), None);
        assert_eq!(chunk_size(b"zz\r\n"), None);
    }

    #[test]
    fn upstream_forms() {
        let addr: SocketAddr = "127.0.0.1:9000".parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!("http://127.0.0.1:9000".upstream_addr(), addr);
        assert_eq!("http://127.0.0.1:9000/".upstream_addr(), addr);
        assert_eq!(String::from("127.0.0.1:9000").upstream_addr(), addr);
        assert_eq!(addr.upstream_addr(), addr);
    }

    #[test]
    fn request_and_response_framing() {
        let parse = |s: &str| RequestHead::parse(s.as_bytes()).unwrap_or_else(|| panic!("unparsed: {s}"));
        let put = parse("PUT /b/k HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
        assert_eq!(put.framing, Framing::Chunked);
        assert!(put.expect_continue && !put.close);
        let get = parse("GET /b HTTP/1.1\r\nconnection: close\r\n\r\n");
        assert_eq!(get.framing, Framing::Empty);
        assert!(get.close);
        let head = parse("HEAD /b/k HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        let resp = ResponseHead::parse(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", &head)
            .unwrap_or_else(|| panic!("unparsed"));
        assert_eq!(resp.framing, Framing::Empty);
        assert!(resp.persistent);
        let resp = ResponseHead::parse(b"HTTP/1.1 200 OK\r\n\r\n", &get).unwrap_or_else(|| panic!("unparsed"));
        assert_eq!(resp.framing, Framing::UntilEof);
        assert!(!resp.persistent);
        let resp = ResponseHead::parse(b"HTTP/1.1 100 Continue\r\n\r\n", &put).unwrap_or_else(|| panic!("unparsed"));
        assert!(resp.is_interim());
    }
}
