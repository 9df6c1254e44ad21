//! Linearizability: is there one order of the ops, consistent with real time, in
//! which a sequential model explains every result?
//!
//! The search is Wing & Gong's with Lowe's cache of (linearized set, state), run
//! per key (P-compositionality) on all cores. Ops whose outcome is unknown (`info`,
//! or never completed) may take effect at any time after their invocation, or never;
//! `fail` ops are dropped. A sound pre-pass ([`reach`]) catches ops that no reachable
//! state allows (a read of a value never written) without any search, and
//! interchangeable crashed ops are explored once ([`wgl`]). Budgets from the
//! [`CheckContext`] turn into `unknown`, never into an abort. See
//! `docs/linearizability.md`.

mod bitset;
mod cache;
mod check;
mod collections;
mod evidence;
mod model;
mod models;
mod prepare;
mod reach;
mod svg;
pub mod synth;
mod wgl;
mod window;

pub use check::{check_model, DEFAULT_MEMORY_LIMIT};
pub use collections::{FifoQueue, Mutex, MutexOp, QueueOp, SetModel, SetOp, UnorderedQueue};
pub use model::{Atom, Atoms, Model, NIL};
pub use models::{CasRegister, MultiRegister, RegOp, Register, RegisterOptions};

use rjepsen_core::checker::{CheckContext, FileCheck};
use rjepsen_core::history::read_compact;
use rjepsen_core::{CheckResult, Checker, Entry, History};
use std::path::Path;

/// The built-in models, by their command-line names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelKind {
    Register,
    CasRegister,
    MultiRegister,
    Set,
    Mutex,
    UnorderedQueue,
    FifoQueue,
}

/// Every name [`model_by_name`] accepts.
pub const MODEL_NAMES: [&str; 7] = [
    "register",
    "cas-register",
    "multi-register",
    "set",
    "mutex",
    "unordered-queue",
    "fifo-queue",
];

/// The built-in model called `name` (see [`MODEL_NAMES`]).
pub fn model_by_name(name: &str) -> Option<ModelKind> {
    Some(match name {
        "register" => ModelKind::Register,
        "cas-register" => ModelKind::CasRegister,
        "multi-register" => ModelKind::MultiRegister,
        "set" => ModelKind::Set,
        "mutex" => ModelKind::Mutex,
        "unordered-queue" => ModelKind::UnorderedQueue,
        "fifo-queue" => ModelKind::FifoQueue,
        _ => return None,
    })
}

impl ModelKind {
    /// Checks `ops` with this model; `opts` apply to the two registers (see
    /// [`ModelKind::accepts`]).
    pub fn check<E: Entry>(
        self,
        opts: &RegisterOptions,
        independent: bool,
        ops: &[E],
        ctx: &CheckContext,
    ) -> CheckResult {
        let reg = || opts.clone();
        match self {
            ModelKind::Register => check_model(&Register(reg()), independent, ops, ctx),
            ModelKind::CasRegister => check_model(&CasRegister(reg()), independent, ops, ctx),
            ModelKind::MultiRegister => check_model(&MultiRegister, independent, ops, ctx),
            ModelKind::Set => check_model(&SetModel, independent, ops, ctx),
            ModelKind::Mutex => check_model(&Mutex, independent, ops, ctx),
            ModelKind::UnorderedQueue => check_model(&UnorderedQueue, independent, ops, ctx),
            ModelKind::FifoQueue => check_model(&FifoQueue, independent, ops, ctx),
        }
    }

    /// Whether this model takes `opts`: only the registers have an initial value
    /// to set and reads of `null` to reinterpret; the others refuse anything but
    /// the defaults, naming the model, rather than ignore them.
    pub fn accepts(self, opts: &RegisterOptions, name: &str) -> Result<(), String> {
        let register = matches!(self, ModelKind::Register | ModelKind::CasRegister);
        if register || *opts == RegisterOptions::default() {
            Ok(())
        } else {
            Err(format!(
                "failed to apply --initial-value / --nil-reads-unknown to model {name:?}: \
                 they apply to register and cas-register only"
            ))
        }
    }
}

/// Checks `ops` against the model called `model_name`; an unknown name is an
/// `unknown` verdict naming the choices.
pub fn check_ops<E: Entry>(
    model_name: &str,
    independent: bool,
    ops: &[E],
    ctx: &CheckContext,
) -> CheckResult {
    match model_by_name(model_name) {
        Some(m) => m
            .check(&RegisterOptions::default(), independent, ops, ctx)
            .with("model", model_name),
        None => CheckResult::unknown(unknown_model(model_name)),
    }
}

fn unknown_model(name: &str) -> String {
    format!(
        "failed to find model {name:?}: expected one of {}",
        MODEL_NAMES.join(", ")
    )
}

/// The linearizability checker as a [`Checker`].
#[derive(Clone, Debug)]
pub struct Linearizable {
    model: ModelKind,
    name: String,
    independent: bool,
    options: RegisterOptions,
}

impl Linearizable {
    /// A checker for the model called `model_name`; `independent` splits values
    /// `[k, v]` per key (jepsen.independent).
    pub fn new(model_name: &str, independent: bool) -> Result<Linearizable, String> {
        let model = model_by_name(model_name).ok_or_else(|| unknown_model(model_name))?;
        Ok(Linearizable {
            model,
            name: model_name.to_string(),
            independent,
            options: RegisterOptions::default(),
        })
    }

    /// The same checker with a register's initial value and reading of `null` set
    /// (Knossos' `(cas-register 0)`); an error for models without them.
    pub fn with_options(mut self, options: RegisterOptions) -> Result<Linearizable, String> {
        self.model.accepts(&options, &self.name)?;
        self.options = options;
        Ok(self)
    }
}

impl Checker for Linearizable {
    fn check(&self, ctx: &CheckContext, history: &History) -> CheckResult {
        self.model
            .check(&self.options, self.independent, &history.ops, ctx)
            .with("model", self.name.as_str())
    }

    fn as_file_check(&self) -> Option<&dyn FileCheck> {
        Some(self)
    }
}

/// A file is read straight into compact ops (no node, error, time or extra
/// fields, `f` shared), which is what keeps a million-op check under 600 MiB.
impl FileCheck for Linearizable {
    fn check_file(&self, ctx: &CheckContext, path: &Path) -> Result<CheckResult, String> {
        let ops = read_compact(path).map_err(|e| e.to_string())?;
        Ok(self
            .model
            .check(&self.options, self.independent, &ops, ctx)
            .with("model", self.name.as_str()))
    }
}
