//! Properties of every partition mode, over a table of cluster sizes and seeds.

use super::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn nodes(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("n{i}")).collect()
}

/// What `node` can still hear from, itself included.
fn visible(grudge: &Grudge, all: &[String], node: &str) -> BTreeSet<String> {
    let dropped = grudge.get(node).cloned().unwrap_or_default();
    all.iter()
        .filter(|n| !dropped.contains(*n))
        .cloned()
        .collect()
}

fn check_sane(grudge: &Grudge, all: &[String]) {
    for (node, dropped) in grudge {
        assert!(all.contains(node), "unknown node {node}");
        assert!(!dropped.contains(node), "{node} drops itself: {grudge:?}");
        assert!(dropped.iter().all(|d| all.contains(d)), "{grudge:?}");
    }
}

fn symmetric(grudge: &Grudge) -> bool {
    grudge.iter().all(|(a, ds)| {
        ds.iter()
            .all(|b| grudge.get(b).is_some_and(|s| s.contains(a)))
    })
}

/// Groups of nodes that see exactly the same set (for complete grudges these are
/// the components).
fn components(grudge: &Grudge, all: &[String]) -> BTreeSet<BTreeSet<String>> {
    all.iter().map(|n| visible(grudge, all, n)).collect()
}

const SIZES: [usize; 8] = [3, 4, 5, 6, 7, 8, 9, 11];

#[test]
fn halves_are_disjoint_cover_and_split_evenly() {
    for n in SIZES {
        for seed in 0..20 {
            let all = nodes(n);
            let g = random_halves(&all, &mut ChaCha8Rng::seed_from_u64(seed));
            check_sane(&g, &all);
            assert!(symmetric(&g), "{g:?}");
            let comps = components(&g, &all);
            assert_eq!(comps.len(), 2, "n={n}: {g:?}");
            let sizes: BTreeSet<usize> = comps.iter().map(BTreeSet::len).collect();
            assert!(sizes.contains(&(n / 2)) && sizes.contains(&(n - n / 2)));
            let union: BTreeSet<String> = comps.iter().flatten().cloned().collect();
            assert_eq!(union.len(), n, "halves cover all nodes");
            assert_eq!(
                comps.iter().map(BTreeSet::len).sum::<usize>(),
                n,
                "disjoint"
            );
        }
    }
}

#[test]
fn one_isolates_exactly_one_node() {
    for n in SIZES {
        let all = nodes(n);
        let g = isolate_one(&all, &mut ChaCha8Rng::seed_from_u64(n as u64));
        check_sane(&g, &all);
        assert!(symmetric(&g));
        let alone: Vec<&String> = all
            .iter()
            .filter(|x| visible(&g, &all, x).len() == 1)
            .collect();
        assert_eq!(alone.len(), 1, "{g:?}");
        for x in all.iter().filter(|x| x != &alone[0]) {
            assert_eq!(visible(&g, &all, x).len(), n - 1);
        }
    }
}

#[test]
fn ring_gives_each_node_a_distinct_majority() {
    for n in SIZES {
        for seed in 0..10 {
            let all = nodes(n);
            let g = majorities_ring(&all, &mut ChaCha8Rng::seed_from_u64(seed));
            check_sane(&g, &all);
            let views: Vec<BTreeSet<String>> = all.iter().map(|x| visible(&g, &all, x)).collect();
            for (x, v) in all.iter().zip(&views) {
                assert!(v.contains(x));
                assert!(v.len() > n / 2, "n={n}: {x} sees {v:?}, not a majority");
                // On 3 nodes the middle of the path sees both ends.
                assert!(v.len() < n || n == 3, "n={n}: {x} sees everyone");
            }
            assert!(
                views.iter().filter(|v| v.len() < n).count() >= 2,
                "n={n}: a real cut"
            );
            let distinct: BTreeSet<&BTreeSet<String>> = views.iter().collect();
            assert_eq!(distinct.len(), n, "n={n}: two nodes see the same majority");
            assert!(symmetric(&g), "n={n}: who sees whom is symmetric: {g:?}");
        }
    }
}

#[test]
fn bridge_has_one_node_seeing_both_sides() {
    for n in SIZES {
        let all = nodes(n);
        let g = bridge(&all, &mut ChaCha8Rng::seed_from_u64(7));
        check_sane(&g, &all);
        assert!(symmetric(&g));
        let middles: Vec<&String> = all.iter().filter(|x| !g.contains_key(*x)).collect();
        assert_eq!(middles.len(), 1, "{g:?}");
        let middle = middles[0];
        assert!(
            g.values().all(|d| !d.contains(middle)),
            "nobody drops the bridge"
        );
        assert_eq!(g.len(), n - 1);
        // The two sides: each node in g sees itself, its side and the middle only.
        let comps = components(&g, &all);
        assert_eq!(
            comps.len(),
            3,
            "two sides plus the all-seeing middle: {g:?}"
        );
        for x in g.keys() {
            assert!(visible(&g, &all, x).len() <= (n - 1).div_ceil(2) + 1);
        }
    }
}

#[test]
fn primaries_are_each_cut_off() {
    let all = nodes(5);
    let g = isolate_primaries(&all, &["n2".to_string()]);
    check_sane(&g, &all);
    assert_eq!(visible(&g, &all, "n2").len(), 1);
    assert_eq!(visible(&g, &all, "n1").len(), 4);
    let two = ["n1".to_string(), "n4".to_string()];
    let g = isolate_primaries(&all, &two);
    assert_eq!(visible(&g, &all, "n1"), ["n1".to_string()].into());
    assert_eq!(visible(&g, &all, "n4"), ["n4".to_string()].into());
    assert_eq!(visible(&g, &all, "n3").len(), 3);
}

#[test]
fn modes_parse_and_refuse_small_clusters() {
    for mode in PartitionMode::ALL {
        assert_eq!(PartitionMode::parse(mode.as_str()), Some(mode));
    }
    assert_eq!(
        PartitionMode::parse(":majorities-ring"),
        Some(PartitionMode::Ring)
    );
    assert_eq!(PartitionMode::parse("sideways"), None);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let err = grudge_for(PartitionMode::Ring, &nodes(2), &[], &mut rng).unwrap_err();
    assert!(err.contains("at least 3 nodes"), "{err}");
    let err = grudge_for(PartitionMode::Primary, &nodes(3), &[], &mut rng).unwrap_err();
    assert!(err.contains("no primary"), "{err}");
    let stranger = ["etcd-0".to_string()];
    let err = grudge_for(PartitionMode::Primary, &nodes(3), &stranger, &mut rng).unwrap_err();
    assert!(
        err.contains("etcd-0") && err.contains("none of which"),
        "{err}"
    );
}

#[test]
fn same_seed_same_grudge_and_json_shape() {
    let all = nodes(5);
    for mode in [
        PartitionMode::Majority,
        PartitionMode::Ring,
        PartitionMode::Bridge,
    ] {
        let a = grudge_for(mode, &all, &[], &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        let b = grudge_for(mode, &all, &[], &mut ChaCha8Rng::seed_from_u64(3)).unwrap();
        assert_eq!(a, b);
    }
    let g = complete_grudge(&[vec!["n1".into()], vec!["n2".into(), "n3".into()]]);
    assert_eq!(
        grudge_json(&g),
        serde_json::json!({"n1": ["n2", "n3"], "n2": ["n1"], "n3": ["n1"]})
    );
}
