//! One proxied connection: two directions pumped in one task, each re-reading its
//! [`View`] whenever the fault table changes.
//!
//! Each direction holds borrowed halves (`TcpStream::split`: a read half of its
//! source, a write half of its destination), so that the sockets themselves stay
//! in `pipe`, which ends the connection with a RST (`SO_LINGER 0`) when either
//! direction asks; a removed fault releases a waiting direction at once: every wait
//! is a `select!` on the table's watch channel.
//!
//! Reads and writes go through the halves' `AsyncRead`/`AsyncWrite`, not
//! `readable()` + `try_read`: tokio's `poll_read` knows that a read shorter than
//! the buffer drained the socket (epoll is edge-triggered) and clears the
//! readiness, while `try_read` learns it only from one more read that fails with
//! `EAGAIN`. A small request and its answer each cost that extra syscall: 3
//! syscalls per message now, as socat's poll, read and write (docs/proxy.md,
//! "Measured").

use crate::events::LinkCounters;
use crate::fault::Direction;
use crate::table::{ConnId, Table, View};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::sleep_until;

const CHUNK: usize = 64 * 1024;

/// How one direction (and so maybe the connection) ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The source sent EOF; the other direction may go on.
    Eof,
    /// Close both sides.
    Close,
    /// Close both sides with a RST.
    Reset,
}

impl End {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            End::Eof => "eof",
            End::Close => "close",
            End::Reset => "reset",
        }
    }
}

/// One direction of a connection.
struct Pump<'a> {
    src: ReadHalf<'a>,
    dst: WriteHalf<'a>,
    dir: Direction,
    conn: &'a ConnId,
    table: watch::Receiver<Arc<Table>>,
    stop: watch::Receiver<bool>,
    bytes: &'a AtomicU64,
    rng: ChaCha8Rng,
    sent: u64,
}

/// What interrupted a wait.
enum Wake {
    Done,
    Changed,
    Stop,
}

impl Pump<'_> {
    fn view(&mut self) -> View {
        View::of(&self.table.borrow_and_update(), self.conn, self.dir)
    }

    /// Waits until `until` (or forever), returning early on a table change or a stop.
    async fn wait(&mut self, until: Option<Instant>) -> Wake {
        wait(&mut self.table, &mut self.stop, until).await
    }

    /// The end a view imposes now, if any.
    fn ended(&self, v: &View) -> Option<End> {
        if v.down {
            return Some(End::Close);
        }
        if let Some((at, reset)) = v.deadline {
            if Instant::now() >= at {
                return Some(if reset { End::Reset } else { End::Close });
            }
        }
        match v.limit {
            Some(l) if self.sent >= l => Some(End::Close),
            _ => None,
        }
    }

    async fn run(mut self) -> End {
        let mut buf = vec![0u8; CHUNK];
        loop {
            let v = self.view();
            if let Some(end) = self.ended(&v) {
                return end;
            }
            if v.is_clean() {
                match self.copy_clean(&mut buf).await {
                    Some(end) => return end,
                    None => continue,
                }
            }
            let deadline = v.deadline.map(|d| d.0);
            if v.hold {
                match self.wait(deadline).await {
                    Wake::Stop => return End::Close,
                    _ => continue,
                }
            }
            let n = tokio::select! {
                r = self.src.read(&mut buf) => match r { Ok(n) => n, Err(_) => return End::Reset },
                w = wait(&mut self.table, &mut self.stop, deadline) => match w {
                    Wake::Stop => return End::Close,
                    _ => continue,
                },
            };
            if n == 0 {
                return self.close_slowly().await;
            }
            let keep = match v.limit {
                Some(l) => n.min((l - self.sent) as usize),
                None => n,
            };
            if let Some(end) = self.forward(&buf[..keep], Instant::now()).await {
                return end;
            }
        }
    }

    /// The path with no fault on this direction: read and write without building a
    /// view or a wait per chunk. The table-change and stop futures are made once
    /// and polled beside every read, so a new fault still ends this loop at once,
    /// even mid-read; `None` then tells the caller to read the view again.
    async fn copy_clean(&mut self, buf: &mut [u8]) -> Option<End> {
        let mut table = self.table.clone();
        let mut stop = self.stop.clone();
        let changed = table.changed();
        let stopped = stop.wait_for(|s| *s);
        tokio::pin!(changed, stopped);
        loop {
            let n = tokio::select! {
                biased;
                r = &mut changed => return if r.is_ok() { None } else { Some(End::Close) },
                _ = &mut stopped => return Some(End::Close),
                r = self.src.read(buf) => match r { Ok(n) => n, Err(_) => return Some(End::Reset) },
            };
            if n == 0 {
                return Some(self.close_slowly().await);
            }
            if self.dst.write_all(&buf[..n]).await.is_err() {
                return Some(End::Close);
            }
            self.sent += n as u64;
            self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        }
    }

    /// On EOF: wait out a slow_close, then half-close the destination.
    async fn close_slowly(&mut self) -> End {
        loop {
            let v = self.view();
            let Some(ms) = v.slow_close else { break };
            let at = Instant::now() + Duration::from_millis(ms);
            match self.wait(Some(at)).await {
                Wake::Changed => continue,
                _ => break,
            }
        }
        let dst: &TcpStream = self.dst.as_ref();
        let _ = socket2::SockRef::from(dst).shutdown(std::net::Shutdown::Write);
        End::Eof
    }

    /// Writes one chunk under latency, bandwidth and slicer; `Some` if the connection ends.
    async fn forward(&mut self, data: &[u8], read_at: Instant) -> Option<End> {
        let jitter: f64 = self.rng.gen();
        let mut off = 0;
        while off < data.len() {
            let v = self.view();
            if let Some(end) = self.ended(&v) {
                return Some(end);
            }
            let target = v.latency_target(read_at, jitter);
            let wait_for = if v.hold {
                Some(v.deadline.map(|d| d.0))
            } else {
                target.filter(|t| *t > Instant::now()).map(Some)
            };
            if let Some(until) = wait_for {
                match self.wait(until).await {
                    Wake::Stop => return Some(End::Close),
                    _ => continue,
                }
            }
            let piece = match v.slicer {
                Some((avg, var, _)) => slice_len(&mut self.rng, avg, var).min(data.len() - off),
                None => data.len() - off,
            };
            if self.dst.write_all(&data[off..off + piece]).await.is_err() {
                return Some(End::Close);
            }
            off += piece;
            self.sent += piece as u64;
            self.bytes.fetch_add(piece as u64, Ordering::Relaxed);
            if let Some(end) = self.pace(&v, piece).await {
                return Some(end);
            }
        }
        None
    }

    /// Sleeps after a write for bandwidth and slicer delays.
    async fn pace(&mut self, v: &View, piece: usize) -> Option<End> {
        let mut pause = Duration::ZERO;
        if let Some(rate) = v.rate.filter(|r| *r > 0) {
            pause += Duration::from_secs_f64(piece as f64 / (rate as f64 * 1000.0));
        }
        if let Some((_, _, us)) = v.slicer {
            pause += Duration::from_micros(us);
        }
        if pause.is_zero() {
            return None;
        }
        // A table change cuts the pause short: the next piece re-reads the view.
        match self.wait(Some(Instant::now() + pause)).await {
            Wake::Stop => Some(End::Close),
            _ => None,
        }
    }
}

fn slice_len(rng: &mut ChaCha8Rng, avg: u64, var: u64) -> usize {
    let var = var.min(avg.saturating_sub(1));
    let lo = avg - var;
    rng.gen_range(lo..=avg + var).max(1) as usize
}

/// Waits until `until` (or forever), returning early on a table change or a stop.
/// A free function over the two receivers, so that a `select!` can poll it beside
/// a read on the same pump's source half.
async fn wait(
    table: &mut watch::Receiver<Arc<Table>>,
    stop: &mut watch::Receiver<bool>,
    until: Option<Instant>,
) -> Wake {
    let sleep = async {
        match until {
            Some(t) => sleep_until(t.into()).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = sleep => Wake::Done,
        r = table.changed() => if r.is_ok() { Wake::Changed } else { Wake::Stop },
        _ = stop.wait_for(|s| *s) => Wake::Stop,
    }
}

/// Pumps both directions until the connection ends; returns how.
pub(crate) async fn pipe(
    mut client: TcpStream,
    mut server: TcpStream,
    conn: ConnId,
    table: watch::Receiver<Arc<Table>>,
    counters: Arc<LinkCounters>,
) -> End {
    let (stop_tx, stop_rx) = watch::channel(false);
    let pump = |src, dst, dir, bytes, salt: u64| Pump {
        src,
        dst,
        dir,
        conn: &conn,
        table: table.clone(),
        stop: stop_rx.clone(),
        bytes,
        rng: ChaCha8Rng::seed_from_u64(conn.roll ^ salt),
        sent: 0,
    };
    let (a, b) = {
        let (client_r, client_w) = client.split();
        let (server_r, server_w) = server.split();
        let up = pump(client_r, server_w, Direction::Upstream, &counters.up, 1);
        let down = pump(server_r, client_w, Direction::Downstream, &counters.down, 2);
        let stop = &stop_tx;
        let finish = |end: End| {
            if end != End::Eof {
                let _ = stop.send(true);
            }
            end
        };
        tokio::join!(async { finish(up.run().await) }, async {
            finish(down.run().await)
        })
    };
    let end = if a == End::Reset || b == End::Reset {
        End::Reset
    } else if a == End::Eof && b == End::Eof {
        End::Eof
    } else {
        End::Close
    };
    if end == End::Reset {
        rst_on_close(&client);
        rst_on_close(&server);
    }
    end
}

/// Makes the socket's close send a RST (`SO_LINGER 0` never blocks the thread).
pub(crate) fn rst_on_close(s: &TcpStream) {
    let _ = socket2::SockRef::from(s).set_linger(Some(Duration::ZERO));
}
