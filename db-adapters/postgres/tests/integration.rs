//! rjepsen-db-postgres' one integration-test binary: the clients against a
//! real PostgreSQL on loopback (Debian's binaries, started by the test as the
//! `postgres` user in a temporary directory; skipped when that cannot be done).

mod integration {
    mod clients;
    mod local_pg;
}
