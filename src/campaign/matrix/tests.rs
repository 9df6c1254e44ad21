use super::*;

fn names(cells: &[Cell]) -> Vec<String> {
    cells
        .iter()
        .map(|c| match c.seed {
            Some(s) => format!("{}@{s}", c.name),
            None => c.name.clone(),
        })
        .collect()
}

#[test]
fn flags_multiply_out() {
    let f = FlagMatrix {
        workloads: "register,set",
        nemeses: "none,partition+kill",
        seeds: "1,2",
        ..FlagMatrix::default()
    };
    let cells = from_flags(&f, "etcd", "bank").unwrap();
    assert_eq!(cells.len(), 8);
    assert_eq!(
        names(&cells)[..3],
        [
            "etcd-register-none@1",
            "etcd-register-none@2",
            "etcd-register-partition+kill@1"
        ]
    );
    assert!(cells[2]
        .args
        .contains(&"--nemesis=partition,kill".to_string()));
    assert!(cells[0].args.contains(&"--nemesis=".to_string()));
    let one = from_flags(&FlagMatrix::default(), "etcd", "bank").unwrap();
    assert_eq!(names(&one), ["etcd-bank-none"]);
    assert!(from_flags(
        &FlagMatrix {
            seeds: "x",
            ..FlagMatrix::default()
        },
        "etcd",
        "r"
    )
    .is_err());
}

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rjepsen-matrix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

use std::path::PathBuf;

#[test]
fn a_toml_file_of_defaults_a_matrix_and_named_tests() {
    let p = write(
        "ok.toml",
        r#"
[defaults]
time-limit = 3
serializable-reads = true
quiet = false
[matrix]
workloads = ["register"]
nemeses = ["none", "partition"]
[[test]]
name = "append-kill"
workload = "list-append"
nemesis = "kill"
consistency-models = ["serializable"]
seeds = [7, 8]
"#,
    );
    let cells = from_file(&p).unwrap();
    assert_eq!(
        names(&cells),
        [
            "etcd-register-none",
            "etcd-register-partition",
            "append-kill@7",
            "append-kill@8"
        ]
    );
    let a = &cells[2].args;
    assert_eq!(a[..2], ["--serializable-reads", "--time-limit=3"]);
    assert!(
        a.contains(&"--consistency-models=serializable".to_string()),
        "{a:?}"
    );
    assert!(!a.iter().any(|x| x.contains("quiet")));
}

#[test]
fn bad_files_name_the_file_and_what_is_wrong() {
    let table = [
        ("syntax.toml", "[[test]\nname = 1", "line 1"),
        ("section.toml", "[tests]\n", "unknown section \"tests\""),
        (
            "noname.toml",
            "[[test]]\nworkload = \"set\"\n",
            "test 1 has no name",
        ),
        (
            "seeds.toml",
            "[[test]]\nname = \"a\"\nseeds = [\"x\"]\n",
            "test \"a\": seeds",
        ),
        ("empty.toml", "[defaults]\nrate = 1\n", "no tests"),
    ];
    for (file, text, want) in table {
        let e = from_file(&write(file, text)).unwrap_err().0;
        assert!(e.contains(file) && e.contains(want), "{file}: {e}");
    }
}

#[test]
fn shards_split_the_matrix_without_overlap() {
    let cells = from_flags(
        &FlagMatrix {
            seeds: "1,2,3,4,5",
            ..FlagMatrix::default()
        },
        "etcd",
        "set",
    )
    .unwrap();
    let mut seen = Vec::new();
    for k in 1..=2 {
        let (mine, s) = shard(cells.clone(), Some(&format!("{k}/2"))).unwrap();
        assert_eq!(s, Some([k, 2]));
        seen.extend(mine.into_iter().map(|c| c.seed.unwrap()));
    }
    seen.sort();
    assert_eq!(seen, [1, 2, 3, 4, 5]);
    for bad in ["0/2", "3/2", "1/0", "x", "1-2"] {
        assert!(shard(cells.clone(), Some(bad)).is_err(), "{bad}");
    }
}
