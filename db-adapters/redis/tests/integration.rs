//! rjepsen-db-redis' one integration-test binary: the clients against a real
//! Redis on loopback (Debian's `redis-server`, started by the test on a port
//! in 24000–24999; skipped when it is not installed), and the `Db` with
//! Sentinel failover on three local namespace nodes (root only; 10.72).

mod integration {
    mod clients;
    mod failover;
    mod local;
}
