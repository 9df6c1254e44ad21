//! rjepsen-db-shop's one integration-test binary: the shop's `Db` on three
//! local namespace nodes (root only; subnet 10.71).

mod integration {
    mod db;
}
