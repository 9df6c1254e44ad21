use super::*;
use crate::op::Process;
use serde_json::json;

fn test_with(timeout: Value) -> Test {
    Test {
        name: "t".into(),
        nodes: vec!["n1".into()],
        concurrency: 1,
        seed: 0,
        remote: std::sync::Arc::new(crate::control::LocalRemote::new()),
        store_dir: std::env::temp_dir(),
        addrs: Default::default(),
        options: [("op-timeout".to_string(), timeout)].into_iter().collect(),
    }
}

/// The whole rule, one row per case: what apply did, read or not, the type.
#[test]
fn the_rule_table() {
    let t = Duration::from_secs(1);
    let ok = || Outcome::Done(Ok(json!(1)));
    let not = || Outcome::Done(Err(OpError::NotApplied("refused".into())));
    let unknown = || Outcome::Done(Err(OpError::Unknown("connection reset".into())));
    let table = [
        (ok(), false, OpType::Ok),
        (ok(), true, OpType::Ok),
        (not(), false, OpType::Fail),
        (not(), true, OpType::Fail),
        (unknown(), false, OpType::Info),
        (unknown(), true, OpType::Fail),
        (Outcome::TimedOut(t), false, OpType::Info),
        (Outcome::TimedOut(t), true, OpType::Fail),
    ];
    let op = Op::invoke(Process::Client(0), "write", json!([1, 2]));
    for (outcome, read, want) in table {
        let done = completion(&op, read, outcome.clone());
        assert_eq!(done.kind, want, "{outcome:?} read={read}");
        assert_eq!(done.error.is_some(), want != OpType::Ok, "{outcome:?}");
    }
}

#[test]
fn op_timeout_comes_from_the_options() {
    let table = [
        (json!(1.5), Duration::from_millis(1500)),
        (json!("2"), Duration::from_secs(2)),
        (json!(0), DEFAULT_OP_TIMEOUT),
        (json!("x"), DEFAULT_OP_TIMEOUT),
        (Value::Null, DEFAULT_OP_TIMEOUT),
    ];
    for (v, want) in table {
        assert_eq!(op_timeout(&test_with(v.clone())), want, "{v}");
    }
}

/// A driver whose ops take `f`'s value in milliseconds, or fail as told.
#[derive(Clone)]
struct Slow;

#[async_trait]
impl Driver for Slow {
    type Conn = ();
    async fn connect(&self, _test: &Test, _node: &str) -> Result<(), ClientError> {
        Ok(())
    }
    async fn apply(&self, _c: &mut (), _t: &Test, op: &Op) -> Result<Value, OpError> {
        match op.value.as_str() {
            Some("lost") => Err(OpError::Unknown("connection lost".into())),
            _ => {
                let ms = op.value.as_u64().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(op.value.clone())
            }
        }
    }
}

#[tokio::test]
async fn the_client_applies_the_rule_with_the_test_timeout() {
    let test = test_with(json!(0.2));
    let mut c = OpClient::new(Slow).open(&test, "n1").await.unwrap();
    let call = |f: &str, v: Value| Op::invoke(Process::Client(0), f, v);
    let quick = c.invoke(&test, &call("write", json!(1))).await;
    assert_eq!(quick.kind, OpType::Ok);
    assert_eq!(quick.node.as_deref(), Some("n1"));
    let started = std::time::Instant::now();
    let hung = c.invoke(&test, &call("write", json!(5_000))).await;
    assert_eq!(hung.kind, OpType::Info, "{hung:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        c.invoke(&test, &call("read", json!(5_000))).await.kind,
        OpType::Fail
    );
    assert_eq!(
        c.invoke(&test, &call("write", json!("lost"))).await.kind,
        OpType::Info
    );
    assert_eq!(
        c.invoke(&test, &call("read", json!("lost"))).await.kind,
        OpType::Fail
    );
}

#[tokio::test]
async fn a_template_fails_rather_than_guess() {
    let test = test_with(Value::Null);
    let mut template = OpClient::new(Slow);
    let op = Op::invoke(Process::Client(0), "write", json!(1));
    assert_eq!(template.invoke(&test, &op).await.kind, OpType::Fail);
    assert!(template.setup(&test).await.is_err());
}
