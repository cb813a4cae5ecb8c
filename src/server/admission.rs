//! Admission of heavy work (takeoffs, estimates) that cannot deadlock and answers fast when
//! full.
//!
//! A request reads its whole body first ([`read_upload`]), then waits for a processing slot:
//! a slot is never held by a stream whose data has not arrived, so streams multiplexed on one
//! HTTP/2 connection cannot starve each other through the connection's flow-control window,
//! and a client trickling its upload holds no slot. The bytes buffered by uploads are bounded
//! together; the wait queue is bounded too, and a request that finds it full is answered
//! RESOURCE_EXHAUSTED at once with a retry hint rather than left to run into its deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::{Stream, StreamExt};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;

/// How long a refused client is told to wait before trying again.
const RETRY_HINT: Duration = Duration::from_secs(2);

/// Slots for heavy work, a bounded queue in front of them, and a budget of buffered bytes.
#[derive(Debug)]
pub struct Admission {
    /// Estimated memory of the work admitted, in MiB (see `Format::memory_estimate`).
    memory: Arc<Semaphore>,
    memory_mib: u32,
    slots: Arc<Semaphore>,
    capacity: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
    /// Bytes of uploads held in memory at once, all requests together.
    buffered: Arc<Semaphore>,
    buffered_capacity: usize,
}

/// A slot and its share of the memory budget, held while the work runs.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    _memory: Option<OwnedSemaphorePermit>,
}

/// Bytes of the upload budget held while a request's body is in memory.
#[derive(Debug)]
pub struct Buffered {
    permit: Option<OwnedSemaphorePermit>,
}

/// Limits of one upload's reading.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// Largest body, in bytes.
    pub max_bytes: u64,
    /// Longest wait for the next message.
    pub idle: Duration,
    /// Slowest average rate accepted once `grace` has passed, in bytes per second.
    pub min_rate: u64,
    pub grace: Duration,
}

struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// RESOURCE_EXHAUSTED with gRPC's retry pushback (`grpc-retry-pushback-ms`), which retrying
/// clients honour.
fn exhausted(message: String) -> Status {
    let mut s =
        Status::resource_exhausted(format!("{message}; retry in {} s", RETRY_HINT.as_secs()));
    if let Ok(v) = RETRY_HINT.as_millis().to_string().parse() {
        s.metadata_mut().insert("grpc-retry-pushback-ms", v);
    }
    s
}

impl Admission {
    /// `memory_bytes`: the budget of estimated takeoff memory; 0 counts no memory.
    pub fn new(
        slots: usize,
        max_waiting: usize,
        buffered_bytes: usize,
        memory_bytes: u64,
    ) -> Admission {
        // The semaphore counts bytes in u32 steps per acquire; its total may be larger.
        let buffered_capacity = buffered_bytes.clamp(1, Semaphore::MAX_PERMITS);
        let memory_mib = u32::try_from(memory_bytes >> 20).unwrap_or(u32::MAX);
        Admission {
            memory: Arc::new(Semaphore::new(memory_mib as usize)),
            memory_mib,
            slots: Arc::new(Semaphore::new(slots.max(1))),
            capacity: slots.max(1),
            waiting: AtomicUsize::new(0),
            max_waiting,
            buffered: Arc::new(Semaphore::new(buffered_capacity)),
            buffered_capacity,
        }
    }

    /// A slot and `memory` bytes of the budget now, or after the requests ahead, or
    /// RESOURCE_EXHAUSTED at once when `max_waiting` requests already wait. Work estimated
    /// over the whole budget takes all of it: it runs alone rather than never.
    pub async fn enter(&self, memory: u64) -> Result<Slot, Status> {
        let mib = u32::try_from(memory.div_ceil(1 << 20))
            .unwrap_or(u32::MAX)
            .min(self.memory_mib);
        if let Ok(p) = self.slots.clone().try_acquire_owned() {
            if mib == 0 {
                return Ok(Slot {
                    _permit: p,
                    _memory: None,
                });
            }
            if let Ok(m) = self.memory.clone().try_acquire_many_owned(mib) {
                return Ok(Slot {
                    _permit: p,
                    _memory: Some(m),
                });
            }
            drop(p);
        }
        let ahead = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        if ahead >= self.max_waiting {
            return Err(exhausted(format!(
                "the server is busy: {} requests running and {ahead} waiting",
                self.capacity
            )));
        }
        let closed = |_| Status::unavailable("the server is shutting down");
        let p = self.slots.clone().acquire_owned().await.map_err(closed)?;
        let m = if mib == 0 {
            None
        } else {
            Some(
                self.memory
                    .clone()
                    .acquire_many_owned(mib)
                    .await
                    .map_err(closed)?,
            )
        };
        Ok(Slot {
            _permit: p,
            _memory: m,
        })
    }

    /// Takes `n` bytes of the upload budget, or RESOURCE_EXHAUSTED at once when the uploads
    /// in memory already hold it.
    fn hold(&self, held: &mut Buffered, n: usize) -> Result<(), Status> {
        if n == 0 {
            return Ok(());
        }
        if n > self.buffered_capacity {
            return Err(Status::resource_exhausted(format!(
                "a message of {n} bytes is over the server's upload memory of {} bytes",
                self.buffered_capacity
            )));
        }
        let n32 = u32::try_from(n).map_err(|_| Status::resource_exhausted("message too large"))?;
        let p = self
            .buffered
            .clone()
            .try_acquire_many_owned(n32)
            .map_err(|_| {
                exhausted(format!(
                    "the server holds {} bytes of uploads already",
                    self.buffered_capacity
                ))
            })?;
        match &mut held.permit {
            Some(h) => h.merge(p),
            None => held.permit = Some(p),
        }
        Ok(())
    }

    /// Reads a request stream to its end before any slot is taken: each message within
    /// `idle`, the whole at `min_rate` or better after `grace`, the bytes counted with `size`
    /// and held in the upload budget until the returned [`Buffered`] is dropped.
    pub async fn read_upload<S, T>(
        &self,
        stream: &mut S,
        limits: UploadLimits,
        size: impl Fn(&T) -> usize,
        mut take: impl FnMut(T) -> Result<(), Status>,
    ) -> Result<Buffered, Status>
    where
        S: Stream<Item = Result<T, Status>> + Unpin,
    {
        let started = Instant::now();
        let mut held = Buffered { permit: None };
        let mut total: u64 = 0;
        loop {
            let next = tokio::time::timeout(limits.idle, stream.next())
                .await
                .map_err(|_| {
                    Status::deadline_exceeded(format!(
                        "the upload stalled: nothing received for {} s after {total} bytes",
                        limits.idle.as_secs()
                    ))
                })?;
            let Some(msg) = next else {
                return Ok(held);
            };
            let msg = msg?;
            let n = size(&msg);
            total += n as u64;
            if total > limits.max_bytes {
                return Err(Status::resource_exhausted(format!(
                    "the upload exceeds the limit of {} bytes",
                    limits.max_bytes
                )));
            }
            let elapsed = started.elapsed();
            if elapsed > limits.grace
                && (total as f64) < limits.min_rate as f64 * elapsed.as_secs_f64()
            {
                return Err(Status::deadline_exceeded(format!(
                    "the upload is too slow: {total} bytes in {} s, under {} bytes/s",
                    elapsed.as_secs(),
                    limits.min_rate
                )));
            }
            self.hold(&mut held, n)?;
            take(msg)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> UploadLimits {
        UploadLimits {
            max_bytes: 1000,
            idle: Duration::from_millis(200),
            min_rate: 0,
            grace: Duration::from_secs(10),
        }
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once_with_a_retry_hint() {
        let a = Arc::new(Admission::new(1, 1, 1 << 20, 0));
        let first = a.enter(0).await.unwrap();
        let a2 = a.clone();
        let waiter = tokio::spawn(async move { a2.enter(0).await.map(|_| ()) });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let t = Instant::now();
        let refused = a.enter(0).await.unwrap_err();
        assert!(t.elapsed() < Duration::from_millis(50));
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert_eq!(
            refused.metadata().get("grpc-retry-pushback-ms").unwrap(),
            "2000"
        );
        drop(first);
        waiter.await.unwrap().unwrap();
    }

    /// Two takeoffs whose estimates do not fit the memory budget together run one after the
    /// other, though there are slots for both; one over the whole budget runs alone. (Waiters
    /// are served in order: a small request behind a large one waits its turn.)
    #[tokio::test]
    async fn work_is_admitted_within_the_memory_budget() {
        let a = Arc::new(Admission::new(4, 4, 1 << 20, 1000 << 20));
        let big = a.enter(600 << 20).await.unwrap();
        let a2 = a.clone();
        let second = tokio::spawn(async move { a2.enter(600 << 20).await.map(|_| ()) });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!second.is_finished(), "waits for memory, not for a slot");
        drop(big);
        second.await.unwrap().unwrap();
        let huge = tokio::time::timeout(Duration::from_secs(1), a.enter(5 << 30))
            .await
            .expect("over the budget: runs alone, not never");
        assert!(huge.is_ok());
    }

    #[tokio::test]
    async fn uploads_are_bounded_in_size_time_and_memory() {
        let a = Admission::new(1, 4, 1500, 0);
        let chunks =
            |n: usize| futures::stream::iter((0..n).map(|_| Ok::<_, Status>(vec![0u8; 100])));
        let mut got = 0;
        let held = a
            .read_upload(&mut chunks(5), limits(), Vec::len, |c| {
                got += c.len();
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(got, 500);
        let too_big = a
            .read_upload(&mut chunks(11), limits(), Vec::len, |_| Ok(()))
            .await
            .unwrap_err();
        assert_eq!(too_big.code(), tonic::Code::ResourceExhausted);
        // 500 bytes are still held: another 1100 do not fit in the 1500 budget.
        let over = a
            .read_upload(
                &mut chunks(11),
                UploadLimits {
                    max_bytes: 5000,
                    ..limits()
                },
                Vec::len,
                |_| Ok(()),
            )
            .await
            .unwrap_err();
        assert_eq!(over.code(), tonic::Code::ResourceExhausted);
        drop(held);
        let mut stalled = chunks(1).chain(futures::stream::pending());
        let e = a
            .read_upload(&mut stalled, limits(), Vec::len, |_| Ok(()))
            .await
            .unwrap_err();
        assert_eq!(e.code(), tonic::Code::DeadlineExceeded);
        assert!(e.message().contains("stalled"), "{}", e.message());
    }
}
