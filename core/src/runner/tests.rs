//! The runner against an in-memory client and nemesis: the history it writes, the
//! process model, panics and timeouts turned into completions, interruption.

use super::*;
use crate::client::ClientError;
use crate::control::LocalRemote;
use crate::generator::{Any, FnGen, Limit, OnClients, OnNemesis, Once, TimeLimit};
use crate::history::read_jsonl;
use crate::op::OpType;
use async_trait::async_trait;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

/// A register in memory. `read` of value "panic" panics; "slow" sleeps 10 s;
/// every `info_every`-th op ends `info`.
struct MemClient {
    reg: Arc<AtomicU64>,
    count: Arc<AtomicU64>,
    info_every: u64,
}

#[async_trait]
impl Client for MemClient {
    async fn open(&self, _: &Test, _: &str) -> Result<Box<dyn Client>, ClientError> {
        Ok(Box::new(MemClient {
            reg: self.reg.clone(),
            count: self.count.clone(),
            info_every: self.info_every,
        }))
    }
    async fn invoke(&mut self, _: &Test, op: &Op) -> Op {
        let n = self.count.fetch_add(1, Ordering::SeqCst) + 1;
        match (op.f.as_str(), &op.value) {
            (_, Value::String(s)) if s == "panic" => panic!("boom"),
            (_, Value::String(s)) if s == "slow" => {
                tokio::time::sleep(Duration::from_secs(10)).await;
                op.ok()
            }
            _ if self.info_every > 0 && n.is_multiple_of(self.info_every) => op.info("lost"),
            ("write", v) => {
                self.reg.store(v.as_u64().unwrap(), Ordering::SeqCst);
                op.ok()
            }
            _ => op.complete(OpType::Ok, json!(self.reg.load(Ordering::SeqCst))),
        }
    }
}

struct NoNemesis;

#[async_trait]
impl Nemesis for NoNemesis {
    async fn invoke(&self, _: &Test, op: &Op) -> Op {
        op.complete(OpType::Info, json!("done"))
    }
    async fn teardown(&self, _: &Test) -> Result<(), crate::nemesis::NemesisError> {
        Ok(())
    }
    fn fs(&self) -> Vec<String> {
        vec!["noop".into()]
    }
}

fn test(dir: &std::path::Path, concurrency: usize) -> Arc<Test> {
    Arc::new(Test {
        name: "t".into(),
        nodes: vec!["a".into(), "b".into()],
        concurrency,
        seed: 3,
        remote: Arc::new(LocalRemote::new()),
        store_dir: dir.to_path_buf(),
        addrs: Default::default(),
        options: Default::default(),
    })
}

fn client(info_every: u64) -> Arc<dyn Client> {
    Arc::new(MemClient {
        reg: Arc::new(AtomicU64::new(0)),
        count: Arc::new(AtomicU64::new(0)),
        info_every,
    })
}

fn writes_and_reads() -> OnClients<FnGen<impl FnMut(&mut ChaCha8Rng) -> (String, Value) + Send>> {
    let mut i = 0u64;
    OnClients(FnGen(move |_: &mut ChaCha8Rng| {
        i += 1;
        if i.is_multiple_of(2) {
            ("write".to_string(), json!(i))
        } else {
            ("read".to_string(), Value::Null)
        }
    }))
}

async fn drive(
    name: &str,
    concurrency: usize,
    c: Arc<dyn Client>,
    gen: Box<dyn Generator>,
    cancel: watch::Receiver<bool>,
) -> (Run, Vec<Op>) {
    let dir = std::env::temp_dir().join(format!("rjepsen-runner-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("history.jsonl");
    let writer = HistoryWriter::create(&path).unwrap();
    let t = test(&dir, concurrency);
    let run = run_generator(
        t,
        c,
        Arc::new(NoNemesis),
        gen,
        writer,
        cancel,
        ProgressOptions::quiet(),
    )
    .await
    .unwrap();
    let on_disk = read_jsonl(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    (run, on_disk)
}

fn no_cancel() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    std::mem::forget(tx);
    rx
}

#[tokio::test]
async fn history_is_paired_indexed_and_streamed() {
    let gen = Box::new(Limit::new(200, writes_and_reads()));
    let (run, on_disk) = drive("paired", 4, client(0), gen, no_cancel()).await;
    assert!(!run.interrupted);
    assert_eq!(run.history.len(), 400);
    assert_eq!(on_disk, run.history, "the file holds exactly the history");
    let h = crate::History::new(run.history.clone());
    for (i, op) in run.history.iter().enumerate() {
        assert_eq!(op.index as usize, i);
        if op.is_invoke() {
            let c = h.completion_of(i).expect("every invoke completes");
            assert_eq!(h.ops[c].f, op.f);
        }
    }
    assert!(run.history.windows(2).all(|w| w[0].time <= w[1].time));
    // Worker t talks to node t mod 2.
    let nodes: std::collections::BTreeSet<_> =
        run.history.iter().filter_map(|o| o.node.clone()).collect();
    assert_eq!(nodes.len(), 2);
}

#[tokio::test]
async fn info_retires_the_process_and_panics_become_info() {
    let gen = Box::new(Limit::new(40, writes_and_reads()));
    let (run, _) = drive("retire", 2, client(5), gen, no_cancel()).await;
    let infos: Vec<&Op> = run
        .history
        .iter()
        .filter(|o| o.kind == OpType::Info)
        .collect();
    assert_eq!(infos.len(), 8);
    // No process performs an op after its info.
    for info in &infos {
        let later = run.history[info.index as usize + 1..]
            .iter()
            .any(|o| o.process == info.process);
        assert!(!later, "process {} used after info", info.process);
    }
    let procs: std::collections::BTreeSet<_> =
        run.history.iter().map(|o| o.process.clone()).collect();
    // Each info gives its thread a fresh process (the last one may have no op).
    assert!((9..=10).contains(&procs.len()), "{procs:?}");
    assert!(procs
        .iter()
        .all(|p| matches!(p, Process::Client(n) if *n < 2 + 8 * 2)));

    let gen = Box::new(Once::new("read", json!("panic")));
    let (run, _) = drive("panic", 1, client(0), gen, no_cancel()).await;
    assert_eq!(run.history[1].kind, OpType::Info);
    assert!(run.history[1]
        .error
        .as_ref()
        .unwrap()
        .to_string()
        .contains("boom"));
}

#[tokio::test]
async fn a_future_nemesis_op_does_not_stall_clients() {
    let mut nemesis_op = Op::invoke(Process::Nemesis, "noop", Value::Null);
    nemesis_op.time = 300_000_000;
    let gen = TimeLimit::new(
        0.5,
        Any::new(vec![
            Box::new(OnNemesis(Once(Some(nemesis_op)))),
            Box::new(writes_and_reads()),
        ]),
    );
    let (run, _) = drive("stall", 2, client(0), Box::new(gen), no_cancel()).await;
    let nem = run
        .history
        .iter()
        .find(|o| o.process == Process::Nemesis)
        .unwrap();
    assert!(nem.time >= 300_000_000);
    let before = run
        .history
        .iter()
        .filter(|o| o.time < 300_000_000 && o.is_client())
        .count();
    assert!(
        before > 100,
        "clients stalled before the nemesis op: {before} ops"
    );
}

#[tokio::test]
async fn cancel_stops_with_ops_in_flight_left_open() {
    let (tx, rx) = watch::channel(false);
    let gen = Box::new(Once::new("read", json!("slow")));
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        tx.send(true).unwrap();
    });
    let started = Instant::now();
    let (run, _) = drive("cancel", 1, client(0), gen, rx).await;
    assert!(run.interrupted);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        run.history.len(),
        1,
        "the slow read is invoked, never completed"
    );
}

#[tokio::test]
async fn timeout_wrapper_turns_slow_ops_into_info() {
    let template = Arc::new(TimeoutTemplate {
        inner: client(0),
        limit: Duration::from_millis(100),
    });
    let gen = Box::new(Once::new("read", json!("slow")));
    let (run, _) = drive("timeout", 1, template, gen, no_cancel()).await;
    assert_eq!(run.history[1].kind, OpType::Info);
    assert!(run.history[1]
        .error
        .as_ref()
        .unwrap()
        .to_string()
        .contains("timed out"));
}

/// A DB and nemesis that record what was done to them.
#[derive(Default)]
struct Recorder(std::sync::Mutex<Vec<String>>);

impl Recorder {
    fn log(&self, s: impl Into<String>) {
        self.0.lock().unwrap().push(s.into());
    }
    fn seen(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[async_trait]
impl crate::db::Db for Recorder {
    async fn setup(&self, _: &Test, node: &str) -> Result<(), crate::db::DbError> {
        self.log(format!("setup {node}"));
        Ok(())
    }
    async fn teardown(&self, _: &Test, node: &str) -> Result<(), crate::db::DbError> {
        self.log(format!("teardown {node}"));
        Ok(())
    }
}

#[async_trait]
impl Nemesis for Recorder {
    async fn invoke(&self, _: &Test, op: &Op) -> Op {
        self.log(format!("nemesis {}", op.f));
        op.complete(OpType::Info, Value::Null)
    }
    async fn teardown(&self, _: &Test) -> Result<(), crate::nemesis::NemesisError> {
        self.log("heal");
        Ok(())
    }
    fn fs(&self) -> Vec<String> {
        vec![]
    }
}

/// Panics on its 20th op.
struct Panicky(u32);

impl Generator for Panicky {
    fn op(&mut self, ctx: &mut crate::generator::Context) -> crate::generator::GenOp {
        self.0 += 1;
        assert!(self.0 < 20, "generator bug");
        match ctx.free_client() {
            Some(p) => crate::generator::GenOp::Op(Op::invoke(p, "read", Value::Null)),
            None => crate::generator::GenOp::Pending,
        }
    }
}

#[tokio::test]
async fn a_panic_mid_run_still_heals_and_tears_down() {
    let dir = std::env::temp_dir().join(format!("rjepsen-runner-panic-{}", std::process::id()));
    let store = crate::store::StoreRun::create(&dir, "t").unwrap();
    let db = Arc::new(Recorder::default());
    let nemesis = Arc::new(Recorder::default());
    let parts = TestParts {
        db: db.clone(),
        client: client(0),
        nemesis: nemesis.clone(),
        leave_db_running: false,
        quiet: true,
        faults: crate::fault::FaultBook::builtin(),
        metrics_interval: None,
    };
    let r = run_test(
        test(&store.dir, 2),
        &store,
        parts,
        Box::new(Panicky(0)),
        no_cancel(),
    )
    .await;
    let err = r.err().expect("a panic is an error").to_string();
    assert!(err.contains("generator bug"), "{err}");
    assert_eq!(nemesis.seen(), ["heal"]);
    let db_seen = db.seen();
    assert!(
        db_seen.ends_with(&["teardown a".into(), "teardown b".into()]),
        "{db_seen:?}"
    );
    // What ran before the panic is on disk.
    let ops = read_jsonl(&store.history_path()).unwrap();
    assert!(ops.len() >= 19, "{}", ops.len());
    std::fs::remove_dir_all(&dir).unwrap();
}
