//! rjepsen-db-postgres' one integration-test binary: the clients against a
//! real PostgreSQL on loopback (Debian's binaries, started by the test as the
//! `postgres` user in a temporary directory; skipped when that cannot be done),
//! and the `Db` on three local namespace nodes (10.70).

mod integration {
    mod clients;
    mod db;
    mod local_pg;
}
