//! `rjepsen test`: build the parts from their names, run, check, report.

use crate::analysis::{check_and_record, print_summary, RunFacts};
use crate::cli::TestArgs;
use crate::config::{BadArgs, TestConfig};
use rjepsen_core::addr::{AddrBook, Ports};
use rjepsen_core::control::Remote;
use rjepsen_core::db::Db;
use rjepsen_core::generator::{Any, Generator, OnClients, Phases, Sleep, Stagger, TimeLimit};
use rjepsen_core::runner::{run_test, TestParts, TimeoutTemplate};
use rjepsen_core::store::{timestamp, StoreRun};
use rjepsen_core::test::Test;
use rjepsen_core::Valid;
use rjepsen_nemesis::TestProxies;
use rjepsen_workloads::{Workload, WorkloadOptions};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::watch;

/// Runs the test `--test-count` times; returns the exit code of the worst verdict.
pub fn run(args: &TestArgs) -> anyhow::Result<i32> {
    let mut cfg = TestConfig::from_args(args)?;
    let mut worst = Valid::Valid;
    for i in 0..args.test_count.max(1) {
        if i > 0 {
            cfg.seed = cfg.seed.wrapping_add(1);
            eprintln!();
        }
        worst = worst.max(run_once(&cfg)?);
    }
    Ok(worst.exit_code())
}

/// Runs the test once; returns its verdict.
fn run_once(cfg: &TestConfig) -> anyhow::Result<Valid> {
    let interleave = crate::interleave_phase::requested(cfg)?;
    let workload =
        rjepsen_workloads::build(&cfg.workload, &workload_options(cfg)).map_err(BadArgs)?;
    let client = rjepsen_db::client_for(&cfg.db, &cfg.workload).map_err(BadArgs)?;
    // The runtime outlives the proxies, whose listeners run on it.
    let rt = tokio::runtime::Runtime::new()?;
    let cluster = rt.block_on(Cluster::choose(cfg, &fault_kinds(cfg, interleave)))?;
    let store = StoreRun::create(&cfg.store, &cfg.name)?;
    crate::logging::to_file(&store.path("rjepsen.log"))?;
    let mut record = crate::record::record(cfg);
    record.start_time = Some(timestamp(SystemTime::now()));
    store.write_json("test.json", &record)?;
    eprintln!(
        "rjepsen test {}: {} on {} ({} nodes, concurrency {}), seed {}",
        cfg.name,
        cfg.workload,
        cfg.db,
        cfg.nodes.len(),
        cfg.concurrency,
        cfg.seed
    );
    eprintln!("store: {}", store.dir.display());

    let Cluster {
        db,
        remote,
        proxies,
    } = cluster;
    // One clock for the HTTP proxies and the interleave engine.
    let epoch = Instant::now();
    let mut hops = None;
    let (addrs, proxies) = match proxies {
        Ready::Direct(proxied) => {
            let (mut addrs, p) =
                rt.block_on(address_book(cfg, db.as_ref(), remote.as_ref(), proxied))?;
            if interleave {
                let h = rt.block_on(crate::interleave_phase::start_hops(
                    &cfg.nodes, &addrs, epoch,
                ))?;
                addrs = h.book.clone();
                hops = Some(h);
            }
            (addrs, Ready::Own(p))
        }
        Ready::Playground(book, p) => (book.clone(), Ready::Playground(book, p)),
        own @ Ready::Own(_) => (addrs_of(&own), own),
    };
    record.addresses = Some(addrs.clone());
    store.write_json("test.json", &record)?;
    let package = rjepsen_nemesis::package_paced(
        &fault_kinds(cfg, interleave),
        cfg.nemesis_interval,
        cfg.nemesis_fixed,
        db.clone(),
        proxies.link_proxies(),
    )
    .map_err(BadArgs)?;
    let faults = package.faults.clone();
    let Workload {
        generator,
        final_generator,
        checker,
        ..
    } = workload;
    // With the interleave nemesis, the workload's part of the time is the
    // observe phase; the rest is the interleave phase's.
    let (observe, rest) = match interleave {
        true => crate::interleave_phase::plan(cfg.time_limit),
        false => (cfg.time_limit, 0.0),
    };
    let checker = match interleave {
        true => crate::interleave_phase::checker(checker),
        false => checker,
    };
    let gen = assemble(
        cfg,
        observe,
        generator,
        final_generator,
        package.generator,
        package.final_generator,
    );
    let test = Arc::new(Test {
        name: cfg.name.clone(),
        nodes: cfg.nodes.clone(),
        concurrency: cfg.concurrency,
        seed: cfg.seed,
        remote,
        addrs,
        store_dir: store.dir.clone(),
        options: cfg.options.clone(),
    });
    let parts = TestParts {
        db,
        client: Arc::new(TimeoutTemplate {
            inner: Arc::from(client),
            // The client's own timeout comes first; this is the safety net.
            limit: Duration::from_secs_f64(cfg.op_timeout + 5.0),
        }),
        nemesis: Arc::from(package.nemesis),
        // The interleave phase tears the DB down itself, after its phase.
        leave_db_running: cfg.leave_db_running || interleave,
        quiet: cfg.quiet,
        faults: faults.clone(),
        metrics_interval: cfg
            .options
            .get("metrics-interval")
            .and_then(|v| v.as_f64())
            .filter(|s| *s > 0.0)
            .map(Duration::from_secs_f64),
    };
    let db_for_sweep = parts.db.clone();
    let db_for_teardown = parts.db.clone();
    let proxy_sampler = match (proxies.link_proxies(), parts.metrics_interval) {
        (Some(p), Some(every)) => Some(crate::cmd::proxy_metrics::start(
            &rt,
            p,
            store.dir.clone(),
            every,
        )),
        _ => None,
    };

    let outcome = rt.block_on(async {
        let cancel = interrupt_on_ctrl_c();
        // Only on a cluster cleared of what an earlier run left.
        match &cfg.playground {
            Some(dir) => {
                for line in crate::playground_test::heal_leftovers(dir).await? {
                    eprintln!("healed (left by an earlier run): {line}");
                }
            }
            None => {
                crate::cmd::heal::heal_leftovers(&test, db_for_sweep).await?;
            }
        }
        let stop = cancel.clone();
        let outcome = run_test(test.clone(), &store, parts, gen, cancel)
            .await
            .map_err(anyhow::Error::from);
        if let Some(h) = &hops {
            let how = crate::interleave_phase::After {
                epoch,
                phases: (observe, rest),
                ran: outcome.as_ref().is_ok_and(|o| !o.interrupted),
                stop,
                leave_db_running: cfg.leave_db_running,
            };
            crate::interleave_phase::after_observe(&test, &store, h, db_for_teardown.as_ref(), how)
                .await;
        }
        outcome
    });
    if let Some(s) = proxy_sampler {
        s.abort();
    }
    // The proxies stop with the run (after the DB's teardown); nothing of
    // theirs is left anywhere.
    drop(proxies);
    rt.shutdown_timeout(Duration::from_secs(2));
    finish(&store, record, outcome, &*checker, &faults)
}

/// The fault packages to build: all of `--nemesis`, except the interleave
/// nemesis, which is phases of the run rather than a fault package.
fn fault_kinds(cfg: &TestConfig, interleave: bool) -> Vec<String> {
    match interleave {
        true => Vec::new(),
        false => cfg.nemesis.clone(),
    }
}

/// The book of proxies already started.
fn addrs_of(ready: &Ready) -> AddrBook {
    match ready {
        Ready::Own(Some(p)) => p.book().clone(),
        Ready::Playground(book, _) => book.clone(),
        _ => AddrBook::new(Vec::new()),
    }
}

/// Where the test runs: the DB, how nodes are reached, and the proxies.
struct Cluster {
    db: Arc<dyn Db>,
    remote: Arc<dyn Remote>,
    proxies: Ready,
}

/// The fault proxies of a run.
enum Ready {
    /// Not started yet; `true` when a proxy kind needs them.
    Direct(bool),
    /// The test's own, on the control node (or none).
    Own(Option<Arc<TestProxies>>),
    /// A running playground's, with its address book.
    Playground(AddrBook, Arc<dyn rjepsen_nemesis::LinkProxies>),
}

impl Ready {
    fn link_proxies(&self) -> Option<Arc<dyn rjepsen_nemesis::LinkProxies>> {
        match self {
            Ready::Own(p) => p
                .clone()
                .map(|p| p as Arc<dyn rjepsen_nemesis::LinkProxies>),
            Ready::Playground(_, p) => Some(p.clone()),
            Ready::Direct(_) => None,
        }
    }
}

impl Cluster {
    /// The provider's nodes and the named DB, or a running playground's
    /// (`--playground`: no SSH, nothing installed; docs/playground.md).
    async fn choose(cfg: &TestConfig, kinds: &[String]) -> anyhow::Result<Cluster> {
        if let Some(dir) = &cfg.playground {
            let parts = crate::playground_test::open(dir, &cfg.db).await?;
            crate::playground_test::check_kinds(kinds, parts.db.as_ref())?;
            rjepsen_nemesis::needs_proxies(kinds, cfg.nemesis_interval, parts.db.as_ref())
                .map_err(BadArgs)?;
            return Ok(Cluster {
                db: parts.db,
                remote: Arc::new(rjepsen_core::control::LocalRemote::new()),
                proxies: Ready::Playground(parts.addrs, parts.proxies),
            });
        }
        let db = rjepsen_db::db_for(&cfg.db).map_err(BadArgs)?;
        let proxied = rjepsen_nemesis::needs_proxies(kinds, cfg.nemesis_interval, db.as_ref())
            .map_err(BadArgs)?;
        // The provider knows how its nodes are reached (key, addresses, abilities).
        let remote = crate::providers::remote_for(&cfg.provider, &cfg.nodes, &cfg.ssh).await?;
        Ok(Cluster {
            db,
            remote,
            proxies: Ready::Direct(proxied),
        })
    }
}

/// Records how the run ended in `test.json`, checks the history and writes
/// `results.json` and the report; returns the verdict.
fn finish(
    store: &StoreRun,
    mut record: rjepsen_core::record::RunRecord,
    outcome: anyhow::Result<rjepsen_core::runner::TestOutcome>,
    checker: &dyn rjepsen_core::Checker,
    faults: &rjepsen_core::FaultBook,
) -> anyhow::Result<Valid> {
    record.end_time = Some(timestamp(SystemTime::now()));
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            record.error = Some(format!("{e:#}"));
            store.write_json("test.json", &record)?;
            return Err(e);
        }
    };
    record.interrupted = outcome.interrupted;
    store.write_json("test.json", &record)?;
    for e in &outcome.cleanup_errors {
        eprintln!("warning: during cleanup: {e}");
    }
    if outcome.interrupted {
        eprintln!("interrupted: every fault was healed; checking the history recorded so far");
    }
    eprintln!("checking {} ops...", outcome.history.len());
    let facts = RunFacts {
        record: &record,
        faults,
        required: faults.clone(),
    };
    let result = check_and_record(store, checker, outcome.history, facts)?;
    print_summary(store, &result);
    Ok(result.valid)
}

/// The test's address book, resolved once (docs/architecture.md, "Address
/// book"); with `proxied`, the fault proxies are started on the control node
/// first and the book gives their addresses as what everyone dials.
async fn address_book(
    cfg: &TestConfig,
    db: &dyn Db,
    remote: &dyn Remote,
    proxied: bool,
) -> anyhow::Result<(AddrBook, Option<Arc<TestProxies>>)> {
    let ports = db.ports().unwrap_or(Ports::NONE);
    let direct = rjepsen_core::addr::resolve(&cfg.nodes, remote, ports).await?;
    if !proxied {
        return Ok((direct, None));
    }
    let proxies = Arc::new(TestProxies::start(&direct, cfg.seed).await?);
    for n in proxies.book().nodes() {
        eprintln!(
            "proxy: {} clients dial {}, peers dial {} (it listens on {}, {})",
            n.node, n.client, n.peer, n.listen_client, n.listen_peer
        );
    }
    Ok((proxies.book().clone(), Some(proxies)))
}

fn workload_options(cfg: &TestConfig) -> WorkloadOptions {
    WorkloadOptions {
        concurrency: cfg.concurrency,
        node_count: cfg.nodes.len(),
        ops_per_key: cfg.ops_per_key,
        max_writes_per_key: cfg.max_writes_per_key,
        consistency_models: cfg.consistency_models.clone(),
        register: cfg.register.clone(),
        shop: rjepsen_workloads::shop::ShopLoad::from_db_options(&cfg.options),
        ..WorkloadOptions::default()
    }
}

/// Main phase (clients at `rate` with the nemesis schedule, for the time limit),
/// then heal, let the cluster recover, and run the final client ops. The nemesis
/// package's generators come already bound to the nemesis (`OnNemesis`).
fn assemble(
    cfg: &TestConfig,
    time_limit: f64,
    client_gen: Box<dyn Generator>,
    final_gen: Option<Box<dyn Generator>>,
    nemesis_gen: Box<dyn Generator>,
    heal_gen: Box<dyn Generator>,
) -> Box<dyn Generator> {
    let clients: Box<dyn Generator> = if cfg.rate > 0.0 {
        Box::new(OnClients(Stagger::new(1.0 / cfg.rate, client_gen)))
    } else {
        Box::new(OnClients(client_gen))
    };
    let main = TimeLimit::new(time_limit, Any::new(vec![clients, nemesis_gen]));
    let mut phases: Vec<Box<dyn Generator>> = vec![Box::new(main), heal_gen];
    if let Some(f) = final_gen {
        phases.push(Box::new(Sleep::secs(cfg.recovery_time)));
        // Bounded, in case the cluster never recovers.
        phases.push(Box::new(TimeLimit::new(
            cfg.op_timeout * 4.0 + 60.0,
            OnClients(f),
        )));
    }
    Box::new(Phases::new(phases))
}

/// The first Ctrl-C stops the run (faults are then healed); a second one exits
/// at once, leaving faults in place (say so).
fn interrupt_on_ctrl_c() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\ninterrupted: stopping clients and healing faults (Ctrl-C again to quit now)"
            );
            let _ = tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "quitting without healing: the next `rjepsen test` (or `rjepsen cluster heal`) heals what is left"
                );
                std::process::exit(130);
            }
        }
    });
    rx
}
