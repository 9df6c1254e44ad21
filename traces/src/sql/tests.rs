//! The classification of every distinct statement shape in the shared MicroRacer
//! cases (column lists shortened where they do not matter), plus a sweep over the
//! statements of the shared files themselves.

use super::*;

fn p(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// (statement, params, op, tables, ids)
type Case = (
    &'static str,
    &'static [&'static str],
    Op,
    &'static [&'static str],
    &'static [&'static str],
);

#[test]
fn statements_of_the_shared_cases() {
    let table: &[Case] = &[
        ("select contacts0_.id as id1_0_ from contacts contacts0_ where contacts0_.account_id=?", &["u1"], Op::Read, &["contacts"], &["u1"]),
        ("select order0_.id as id1_0_0_ from orders_other order0_ where order0_.id=?", &["o1"], Op::Read, &["orders_other"], &["o1"]),
        ("select payment0_.id as id1_1_ from inside_payment payment0_ where payment0_.user_id is null", &[], Op::Read, &["inside_payment"], &[]),
        ("insert into payment (order_id, payment_price, user_id, id) values (?, ?, ?, ?)", &["o1", "12.5", "NULL", "p1"], Op::Insert, &["payment"], &["o1", "NULL", "p1"]),
        ("update orders_other set account_id=?, status=?, travel_time=? where id=?", &["u1", "7", "2013-05-04 09:51:52", "o1"], Op::Write, &["orders_other"], &["u1", "o1"]),
        ("select securityco0_.id as id1_0_ from security_config securityco0_ where securityco0_.name=?", &["max"], Op::Read, &["security_config"], &[]),
        ("select trip0_.id as id1_0_ from trip2 trip0_ where (trip0_.number, trip0_.type)=(?, ?)", &["1234", "2"], Op::Read, &["trip2"], &[]),
        ("select priceconfi0_.id as id1_0_ from price_config priceconfi0_ where priceconfi0_.route_id=? and priceconfi0_.train_type=?", &["r1", "ZhiDa"], Op::Read, &["price_config"], &["r1"]),
        ("SELECT * from route where id in (?, ?, ?)", &["r1", "r2", "r3"], Op::Read, &["route"], &["r1", "r2", "r3"]),
        ("SELECT * FROM price_config WHERE route_id IN (?) AND train_type IN (?)", &["r1", "ZhiDa"], Op::Read, &["price_config"], &["r1"]),
        ("SELECT * from station where name in (?, ?)", &["a", "b"], Op::Read, &["station"], &[]),
        ("select consignpri0_.id as id1_0_ from consign_price consignpri0_ where consignpri0_.idx=?", &["0"], Op::Read, &["consign_price"], &["0"]),
        ("select consignrec0_.consign_record_id as c from consign_record consignrec0_ where consignrec0_.consign_record_id=?", &[], Op::Read, &["consign_record"], &[]),
        ("insert into food_order (food_name, food_type, order_id, id) values (?, ?, ?, ?)", &["Soup", "2", "o1", "f1"], Op::Insert, &["food_order"], &["o1", "f1"]),
        ("delete from orders where id = ?", &["o1"], Op::Write, &["orders"], &["o1"]),
    ];
    for (sql, params, op, tables, ids) in table {
        let info = classify(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(info.op, *op, "{sql}");
        assert_eq!(
            info.tables().cloned().collect::<Vec<_>>(),
            p(tables),
            "{sql}"
        );
        assert_eq!(info.ids(&p(params)), p(ids), "{sql}");
    }
}

#[test]
fn every_statement_in_the_shared_files_parses_and_binds_each_placeholder() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/microracer");
    let mut seen = std::collections::BTreeSet::new();
    for case in ["case1", "case2", "case3"] {
        for entry in std::fs::read_dir(root.join(case).join("traces")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for span in crate::skywalking::parse(&text).unwrap() {
                if span.is_statement() {
                    seen.insert(span.db.statement);
                }
            }
        }
    }
    assert!(seen.len() >= 38, "only {} statements", seen.len());
    for sql in &seen {
        let info = classify(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        let first = sql.split_whitespace().next().unwrap().to_lowercase();
        let want = match first.as_str() {
            "select" => Op::Read,
            "insert" => Op::Insert,
            _ => Op::Write,
        };
        assert_eq!(info.op, want, "{sql}");
        assert_eq!(info.bound_columns.len(), sql.matches('?').count(), "{sql}");
        assert!(
            !info.tables_read.is_empty() || !info.tables_written.is_empty(),
            "{sql}"
        );
    }
}

/// The shop's PostgreSQL statements (targets/shop), as its psycopg2
/// instrumentation reports them once `dbapi` turned `%s` into `?`.
#[test]
fn statements_of_the_shop() {
    let table: &[Case] = &[
        ("UPDATE stock SET quantity = ? WHERE item_id = ?", &["4", "i1"], Op::Write, &["stock"], &["i1"]),
        ("UPDATE stock SET quantity = quantity - ? WHERE item_id = ? AND quantity >= ?", &["1", "i1", "1"], Op::Write, &["stock"], &["i1"]),
        ("INSERT INTO consignments (item_id, seller) VALUES (?, ?) ON CONFLICT (item_id) DO NOTHING", &["c1", "s1"], Op::Insert, &["consignments"], &["c1"]),
        ("INSERT INTO stock (item_id, stocked, quantity) VALUES (?, ?, ?) ON CONFLICT (item_id) DO UPDATE SET stocked = stock.stocked + EXCLUDED.stocked", &["i1", "5", "5"], Op::Insert, &["stock"], &["i1"]),
        ("UPDATE payments SET state = ? WHERE order_id = ? AND state = ?", &["paid", "o1", "open"], Op::Write, &["payments"], &["o1"]),
    ];
    for (sql, params, op, tables, ids) in table {
        let info = classify(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(info.op, *op, "{sql}");
        assert_eq!(
            info.tables().cloned().collect::<Vec<_>>(),
            p(tables),
            "{sql}"
        );
        assert_eq!(info.ids(&p(params)), p(ids), "{sql}");
    }
}

#[test]
fn unparsable_statements_are_errors() {
    assert!(classify("selec * frm").is_err());
}

#[test]
fn values_are_bound_in_order() {
    assert_eq!(bind_values("a=? and b=?", &p(&["1", "x"])), "a=1 and b=x");
    assert_eq!(bind_values("a=?", &[]), "a=?");
}
