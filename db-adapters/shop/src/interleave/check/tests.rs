use super::*;

/// An attempt line as the phase writes it (two buys of a fresh item with
/// stock 2), its observed state given.
fn attempt(n: u64, schedule: &str, state: Value, bodies: [&str; 2]) -> Value {
    json!({
        "attempt": n, "pair": 4, "set": "candidates", "set_index": 4, "class": 1, "schedule": schedule, "achieved": true,
        "trace_ids": {"a": "aa", "b": "bb"},
        "steps": {"a": {"http_method": "GET"}, "b": {"http_method": "PUT"}},
        "requests": {"a": {}, "b": {}},
        "responses": {"a": {"status": 201, "body": bodies[0]}, "b": {"status": 201, "body": bodies[1]}},
        "observed": state.to_string(),
    })
}

fn two_buys(n: u64, left: i64) -> Value {
    json!({
        "stock": [{"item_id": format!("xi{n}"), "stocked": 2, "quantity": left}],
        "orders": [
            {"order_id": format!("xo{n}a"), "item_id": format!("xi{n}"), "qty": 1},
            {"order_id": format!("xo{n}b"), "item_id": format!("xi{n}"), "qty": 1}
        ],
        "consignments": [], "payments": []
    })
}

#[test]
fn a_correct_attempt_is_clean_and_a_lost_update_is_a_violation_with_its_pair() {
    assert!(violations_of(&attempt(3, "serial_a_b", two_buys(3, 0), ["", ""])).is_empty());
    let v = violations_of(&attempt(
        3,
        "hold_a_until_b_passed",
        two_buys(3, 1),
        ["", ""],
    ));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0]["invariant"], "stock");
    assert_eq!(v[0]["pair"]["index"], 4);
    assert_eq!(v[0]["schedule"], "hold_a_until_b_passed");
    assert_eq!(v[0]["trace_ids"]["b"], "bb");
}

#[test]
fn order_dependence_ignores_the_attempts_own_ids() {
    let same = [
        attempt(
            6,
            "serial_a_b",
            two_buys(6, 0),
            [r#"{"order_id":"xo6a"}"#, "x"],
        ),
        attempt(
            7,
            "serial_b_a",
            two_buys(7, 0),
            [r#"{"order_id":"xo7a"}"#, "x"],
        ),
    ];
    assert_eq!(order_dependence(&same)[0]["order_dependent"], false);
    let differ = [
        attempt(6, "serial_a_b", two_buys(6, 0), ["ok", "x"]),
        attempt(7, "serial_b_a", two_buys(7, 0), ["out of stock", "x"]),
    ];
    let o = order_dependence(&differ);
    assert_eq!(o[0]["order_dependent"], true);
    assert!(o[0]["differences"].get("a").is_some() && o[0]["differences"].get("b").is_none());
}

#[test]
fn a_malformed_attempts_line_is_named() {
    let dir = std::env::temp_dir().join(format!("shop-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(ATTEMPTS);
    std::fs::write(&p, "{}\n{not json\n").unwrap();
    let e = read_attempts(&p).unwrap_err();
    assert!(e.contains("line 2"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Three pairs' attempts from a real racy `--nemesis interleave` run
/// (`--time-limit 60 --seed 3` on namespace nodes): a buy/buy, a
/// consign/consign and a pay/cancel pair, all six schedules each.
const REAL: &str = include_str!("../../../tests/fixtures/interleave/attempts.jsonl");

fn run_dir(name: &str, lines: &[&str]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("shop-check-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join(DIR)).unwrap();
    std::fs::write(dir.join(DIR).join(ATTEMPTS), lines.join("\n") + "\n").unwrap();
    dir
}

#[test]
fn a_real_racy_run_breaks_each_invariant_in_overlaps_and_its_serial_attempts_are_clean() {
    let all: Vec<&str> = REAL.lines().collect();
    let dir = run_dir("real", &all);
    let r = check_dir(&dir);
    assert_eq!(r.valid, Valid::Invalid);
    for inv in INVARIANTS {
        assert!(
            r.details["broken"][inv].as_u64().unwrap() > 0,
            "{inv}: {:?}",
            r.details["broken"]
        );
    }
    for v in r.details["violations"].as_array().unwrap() {
        assert!(v["schedule"].as_str().unwrap().starts_with("hold_"), "{v}");
    }
    let serial: Vec<&str> = all
        .iter()
        .copied()
        .filter(|l| l.contains("\"schedule\":\"serial_"))
        .collect();
    assert_eq!(serial.len(), 6);
    let clean = run_dir("serial", &serial);
    let r = check_dir(&clean);
    assert_eq!(r.valid, Valid::Valid, "{:?}", r.details["violations"]);
    assert_eq!(r.details["order"].as_array().unwrap().len(), 3);
    for d in [dir, clean] {
        std::fs::remove_dir_all(d).unwrap();
    }
}
