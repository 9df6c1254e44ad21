//! `playground fault NODE KIND [--PARAM VALUE]...`: any fault of the proxy's table,
//! with toxiproxy's parameter names, parsed against one table of what each kind takes.
//!
//! The table is the only place that knows which parameters a kind has; a parameter
//! the kind does not take is an error naming the ones it does, never ignored.

use crate::faults::{parse_direction, parse_port, partition, toxics, Port, Target};
use crate::PlaygroundError;
use rjepsen_proxy::{Direction, Fault, Toxic};

/// Each fault kind and its parameters (toxiproxy's names).
pub const KINDS: &[(&str, &[&str])] = &[
    ("latency", &["latency", "jitter"]),
    ("bandwidth", &["rate"]),
    ("slow_close", &["delay"]),
    ("timeout", &["timeout"]),
    ("reset_peer", &["timeout"]),
    ("slicer", &["average_size", "size_variation", "delay"]),
    ("limit_data", &["bytes"]),
    ("down", &[]),
    ("partition", &[]),
];

/// Options every kind takes besides its own parameters.
const COMMON: &str =
    "--probability P (0..1), --direction up|down|both, --from NODE[,NODE], --port client|peer|both";

/// Builds the toxics of `fault NODE KIND ARGS` on a playground of `nodes`.
pub fn parse_fault(
    nodes: &[String],
    node: &str,
    kind: &str,
    args: &[String],
) -> Result<Vec<Toxic>, PlaygroundError> {
    let Some((_, params)) = KINDS.iter().find(|(k, _)| *k == kind) else {
        let kinds: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
        return Err(bad(format!(
            "unknown fault {kind:?}; faults: {}",
            kinds.join(", ")
        )));
    };
    let mut obj = serde_json::Map::new();
    obj.insert("type".into(), kind.into());
    let (mut toxicity, mut dirs, mut from, mut port) = (1.0, both(), Vec::new(), Port::Both);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let key = flag
            .strip_prefix("--")
            .ok_or_else(|| bad(format!("{flag:?}: expected --PARAM VALUE")))?
            .replace('-', "_");
        let value = it
            .next()
            .ok_or_else(|| bad(format!("{flag} needs a value")))?;
        match key.as_str() {
            "probability" | "toxicity" => toxicity = probability(flag, value)?,
            "direction" => dirs = parse_direction(value)?,
            "from" => from = value.split(',').map(str::to_string).collect(),
            "port" => port = parse_port(value)?,
            k if params.contains(&k) => {
                let n: u64 = value
                    .parse()
                    .map_err(|_| bad(format!("{flag} {value:?}: expected a whole number")))?;
                obj.insert(k.to_string(), n.into());
            }
            _ => return Err(bad(unknown_param(kind, flag, params))),
        }
    }
    if kind == "partition" {
        return partition(nodes, node, &from);
    }
    let fault: Fault =
        serde_json::from_value(obj.into()).map_err(|e| bad(format!("{kind}: {e}")))?;
    let target = Target {
        node: node.to_string(),
        from,
        port,
    }
    .checked(nodes)?;
    Ok(toxics(&target, fault, &dirs, toxicity))
}

fn both() -> Vec<Direction> {
    vec![Direction::Upstream, Direction::Downstream]
}

fn probability(flag: &str, value: &str) -> Result<f64, PlaygroundError> {
    match value.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(bad(format!("{flag} {value:?}: expected a number in 0..1"))),
    }
}

fn unknown_param(kind: &str, flag: &str, params: &[&str]) -> String {
    let own: Vec<String> = params.iter().map(|p| format!("--{p}")).collect();
    let own = if own.is_empty() {
        "none".to_string()
    } else {
        own.join(", ")
    };
    format!("{kind} takes no {flag}; its parameters: {own}; and {COMMON}")
}

fn bad(msg: String) -> PlaygroundError {
    PlaygroundError::BadFault(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes() -> Vec<String> {
        vec!["n1".into(), "n2".into(), "n3".into()]
    }

    fn parse(node: &str, kind: &str, args: &[&str]) -> Result<Vec<Toxic>, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_fault(&nodes(), node, kind, &args).map_err(|e| e.to_string())
    }

    #[test]
    fn reset_peer_on_half_the_connections_of_both_proxies() {
        let t = parse(
            "n1",
            "reset_peer",
            &["--timeout", "0", "--probability", "0.5"],
        )
        .unwrap();
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["reset_peer:n1.client<-*", "reset_peer:n1.peer<-*"]);
        assert!(t
            .iter()
            .all(|t| t.toxicity == 0.5 && t.fault == Fault::ResetPeer { timeout: 0 }));
    }

    #[test]
    fn parameters_port_direction_and_sources_are_honoured() {
        let args = [
            "--average-size",
            "10",
            "--delay",
            "5",
            "--port",
            "peer",
            "--from",
            "n2,n3",
            "--direction",
            "down",
        ];
        let t = parse("n1", "slicer", &args).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].name, "slicer:n1.peer<-n2");
        assert_eq!(t[1].link.from.as_deref(), Some("n3"));
        assert_eq!(t[0].directions, [Direction::Downstream]);
        let want = Fault::Slicer {
            average_size: 10,
            size_variation: 0,
            delay: 5,
        };
        assert_eq!(t[0].fault, want);
    }

    #[test]
    fn a_whole_node_partition_cuts_both_ways() {
        let t = parse("n2", "partition", &[]).unwrap();
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "partition:n2.peer<-*",
                "partition:n1.peer<-n2",
                "partition:n3.peer<-n2"
            ]
        );
    }

    #[test]
    fn bad_input_is_named_and_refused() {
        let cases: &[(&str, &str, &[&str], &str)] = &[
            ("n1", "explode", &[], "unknown fault \"explode\""),
            ("n9", "down", &[], "node \"n9\""),
            ("n1", "latency", &["--from", "n7"], "node \"n7\""),
            ("n1", "latency", &["--from", "n1"], "from itself"),
            (
                "n1",
                "latency",
                &["--rate", "5"],
                "latency takes no --rate; its parameters: --latency, --jitter",
            ),
            ("n1", "down", &["--timeout", "5"], "its parameters: none"),
            (
                "n1",
                "latency",
                &["--latency", "-3"],
                "expected a whole number",
            ),
            ("n1", "latency", &["--latency"], "needs a value"),
            ("n1", "latency", &["latency", "3"], "expected --PARAM VALUE"),
            ("n1", "timeout", &["--probability", "2"], "0..1"),
            (
                "n1",
                "timeout",
                &["--direction", "sideways"],
                "up, down or both",
            ),
            (
                "n1",
                "timeout",
                &["--port", "admin"],
                "client, peer or both",
            ),
        ];
        for (node, kind, args, want) in cases {
            let e = parse(node, kind, args).unwrap_err();
            assert!(e.contains(want), "{kind} {args:?}: {e}");
        }
    }
}
