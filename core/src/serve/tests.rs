//! Every workload driver against an in-memory database: the vocabulary parsed
//! once, completions from core's rule, and an error that leaves a write open
//! completing as `info`.

use super::bank::BankConn;
use super::register::RegisterConn;
use super::set::SetConn;
use super::txn::{Micro, TxnConn, TxnKind};
use super::*;
use crate::op::{OpType, Process};
use crate::op_client::OpError;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One shared store; `flaky` makes every write fail as may-have-happened
/// (after applying it, as a lost reply would).
#[derive(Clone, Default)]
struct Memory {
    ints: Arc<Mutex<BTreeMap<String, i64>>>,
    lists: Arc<Mutex<BTreeMap<String, Vec<i64>>>>,
    flaky: bool,
}

impl Memory {
    fn lost(&self) -> Result<(), OpError> {
        if self.flaky {
            Err(OpError::Unknown("connection closed".into()))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Connector for Memory {
    type Conn = Memory;
    async fn connect(&self, _t: &Test, _n: &str) -> Result<Memory, ClientError> {
        Ok(self.clone())
    }
}

#[async_trait]
impl RegisterConn for Memory {
    async fn read(&mut self, _t: &Test, k: &Value) -> Result<Option<i64>, OpError> {
        Ok(self.ints.lock().unwrap().get(&k.to_string()).copied())
    }
    async fn write(&mut self, _t: &Test, k: &Value, v: i64) -> Result<(), OpError> {
        self.ints.lock().unwrap().insert(k.to_string(), v);
        self.lost()
    }
    async fn cas(&mut self, _t: &Test, k: &Value, old: i64, new: i64) -> Result<bool, OpError> {
        let mut m = self.ints.lock().unwrap();
        let slot = m.get_mut(&k.to_string());
        Ok(match slot {
            Some(v) if *v == old => {
                *v = new;
                true
            }
            _ => false,
        })
    }
}

#[async_trait]
impl SetConn for Memory {
    async fn add(&mut self, _t: &Test, e: i64) -> Result<(), OpError> {
        self.lists
            .lock()
            .unwrap()
            .entry("set".into())
            .or_default()
            .push(e);
        self.lost()
    }
    async fn read_all(&mut self, _t: &Test) -> Result<Vec<i64>, OpError> {
        Ok(self
            .lists
            .lock()
            .unwrap()
            .get("set")
            .cloned()
            .unwrap_or_default())
    }
}

#[async_trait]
impl TxnConn for Memory {
    async fn txn(
        &mut self,
        _t: &Test,
        kind: TxnKind,
        micros: &[Micro],
    ) -> Result<Vec<Value>, OpError> {
        assert_eq!(kind, TxnKind::ListAppend);
        let mut lists = self.lists.lock().unwrap();
        let seen = micros.iter().map(|m| match m {
            Micro::Read(k) => json!(lists.get(&k.to_string()).cloned().unwrap_or_default()),
            Micro::Write(k, v) => {
                lists.entry(k.to_string()).or_default().push(*v);
                Value::Null
            }
        });
        Ok(seen.collect())
    }
}

#[async_trait]
impl BankConn for Memory {
    async fn create_accounts(&mut self, _t: &Test, b: &[(i64, i64)]) -> Result<(), OpError> {
        let mut m = self.ints.lock().unwrap();
        if m.is_empty() {
            m.extend(b.iter().map(|(a, x)| (a.to_string(), *x)));
        }
        Ok(())
    }
    async fn transfer(
        &mut self,
        _t: &Test,
        from: i64,
        to: i64,
        amount: i64,
    ) -> Result<(), OpError> {
        let mut m = self.ints.lock().unwrap();
        if m[&from.to_string()] < amount {
            return Err(OpError::NotApplied("insufficient funds".into()));
        }
        *m.get_mut(&from.to_string()).unwrap() -= amount;
        *m.get_mut(&to.to_string()).unwrap() += amount;
        Ok(())
    }
    async fn balances(&mut self, _t: &Test) -> Result<Vec<(i64, i64)>, OpError> {
        let m = self.ints.lock().unwrap();
        Ok(m.iter().map(|(a, x)| (a.parse().unwrap(), *x)).collect())
    }
}

fn test() -> Test {
    Test {
        name: "t".into(),
        nodes: vec!["n1".into()],
        concurrency: 1,
        seed: 0,
        remote: Arc::new(crate::control::LocalRemote::new()),
        store_dir: std::env::temp_dir(),
        addrs: Default::default(),
        options: Default::default(),
    }
}

async fn call(c: &mut Box<dyn Client>, f: &str, v: Value) -> Op {
    c.invoke(&test(), &Op::invoke(Process::Client(0), f, v))
        .await
}

async fn open(served: Served) -> Box<dyn Client> {
    served.client.open(&test(), "n1").await.unwrap()
}

#[tokio::test]
async fn register_vocabulary() {
    let mut c = open(register::register(Memory::default())).await;
    let r = call(&mut c, "read", json!([1, null])).await;
    assert_eq!((r.kind, r.value), (OpType::Ok, json!([1, null])));
    assert_eq!(call(&mut c, "write", json!([1, 3])).await.kind, OpType::Ok);
    assert_eq!(
        call(&mut c, "cas", json!([1, [3, 4]])).await.kind,
        OpType::Ok
    );
    let failed = call(&mut c, "cas", json!([1, [3, 5]])).await;
    assert_eq!(
        (failed.kind, failed.value),
        (OpType::Fail, json!([1, [3, 5]]))
    );
    assert_eq!(
        call(&mut c, "read", json!([1, null])).await.value,
        json!([1, 4])
    );
    for (f, v) in [
        ("cas", json!([1, 2])),
        ("read", json!(3)),
        ("dance", json!([1, 2])),
    ] {
        assert_eq!(
            call(&mut c, f, v.clone()).await.kind,
            OpType::Fail,
            "{f} {v}"
        );
    }
}

#[tokio::test]
async fn a_write_whose_reply_was_lost_is_info() {
    let flaky = Memory {
        flaky: true,
        ..Memory::default()
    };
    let mut reg = open(register::register(flaky.clone())).await;
    assert_eq!(
        call(&mut reg, "write", json!([1, 3])).await.kind,
        OpType::Info
    );
    let mut set = open(set::set(flaky)).await;
    assert_eq!(call(&mut set, "add", json!(7)).await.kind, OpType::Info);
    assert_eq!(call(&mut set, "read", Value::Null).await.value, json!([7]));
}

#[tokio::test]
async fn set_reads_are_sorted() {
    let mut c = open(set::set(Memory::default())).await;
    for e in [3, 1, 2] {
        assert_eq!(call(&mut c, "add", json!(e)).await.kind, OpType::Ok);
    }
    assert_eq!(
        call(&mut c, "read", Value::Null).await.value,
        json!([1, 2, 3])
    );
    assert_eq!(call(&mut c, "add", json!("x")).await.kind, OpType::Fail);
}

#[tokio::test]
async fn txns_fill_their_reads() {
    let mut c = open(txn::list_append(Memory::default())).await;
    let done = call(
        &mut c,
        "txn",
        json!([["append", 1, 5], ["r", 1, null], ["r", 2, null]]),
    )
    .await;
    assert_eq!(done.kind, OpType::Ok);
    assert_eq!(
        done.value,
        json!([["append", 1, 5], ["r", 1, [5]], ["r", 2, []]])
    );
    assert_eq!(
        call(&mut c, "txn", json!([["w", 1, 5]])).await.kind,
        OpType::Fail
    );
}

#[tokio::test]
async fn bank_sets_up_transfers_and_reads() {
    let mut c = open(bank::bank(Memory::default())).await;
    c.setup(&test()).await.unwrap();
    let read = call(&mut c, "read", Value::Null).await;
    let total: i64 = read
        .value
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!((read.value["0"].clone(), total), (json!(16), 100));
    let t = |amount| json!({"from": 1, "to": 2, "amount": amount});
    assert_eq!(call(&mut c, "transfer", t(5)).await.kind, OpType::Ok);
    assert_eq!(call(&mut c, "transfer", t(50)).await.kind, OpType::Fail);
    assert_eq!(
        call(&mut c, "read", Value::Null).await.value["2"],
        json!(17)
    );
}

#[test]
fn pick_names_what_is_served() {
    let served = vec![register::register(Memory::default())];
    let err = pick("mem", served, "queue").err().unwrap();
    assert!(
        err.contains("queue") && err.contains("register") && err.contains("mem"),
        "{err}"
    );
}
