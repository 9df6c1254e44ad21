//! The one integration-test binary of rjepsen-checkers: a plain list of modules,
//! each in `tests/integration/` (tests are named `integration::<module>::...`).

mod integration {
    mod elle;
    mod elle_infer;
    mod elle_inputs;
    mod elle_own;
    mod elle_synth;
    mod elle_timeout;
    mod linear;
    mod linear_brute;
    mod linear_knossos;
    mod linear_models;
}
