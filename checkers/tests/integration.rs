//! The one integration-test binary of rjepsen-checkers: a plain list of modules,
//! each in `tests/integration/`.

#[path = "integration/linear.rs"]
mod linear;

#[path = "integration/elle.rs"]
mod elle;
#[path = "integration/elle_infer.rs"]
mod elle_infer;
#[path = "integration/elle_inputs.rs"]
mod elle_inputs;
#[path = "integration/elle_own.rs"]
mod elle_own;
#[path = "integration/elle_synth.rs"]
mod elle_synth;
#[path = "integration/elle_timeout.rs"]
mod elle_timeout;
#[path = "integration/linear_brute.rs"]
mod linear_brute;
#[path = "integration/linear_knossos.rs"]
mod linear_knossos;
#[path = "integration/linear_models.rs"]
mod linear_models;
