"""The table of scripts/bench-interleave.sh, from its runs.tsv and the runs'
results.json (and candidates.json): per mode and invariant, in how many runs it
broke; for the nemesis modes whether each violation's pair is a candidate of
that run's own traces; wall time per run. Usage: STORE RUNS_TSV."""

import json
import statistics
import sys
from pathlib import Path

INVARIANTS = ["stock", "consignment", "payment"]
MODES = {
    "a": "racy, --nemesis interleave",
    "b": "--shop-fixed, --nemesis interleave",
    "c": "racy, no nemesis",
}


def load(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


STEP_FIELDS = ("http_method", "http_url", "service", "sqls")


def steps_key(p):
    """A pair as its two steps, in either order, each by the fields both the
    analyzer's files and the nemesis' violations spell (method, URL,
    service, SQL with values)."""
    if not isinstance(p, dict):
        return None
    steps = []
    for side in ("a", "b"):
        s = p.get(side) or {}
        steps.append(json.dumps([s.get(k) for k in STEP_FIELDS]))
    return tuple(sorted(steps))


def candidates(run_dir, name):
    """The pairs of every `name` (candidates.json, early.json) under the run's
    directory."""
    keys = set()
    for f in run_dir.rglob(name):
        doc = load(f)
        pairs = doc.get("pairs", []) if isinstance(doc, dict) else doc or []
        keys.update(steps_key(p) for p in pairs)
    return keys


def one_run(store, mode, seed):
    run_dir = store / f"bench-{mode}-{seed}" / "latest"
    res = load(run_dir / "results.json")
    out = {"results": res is not None, "final": set(), "forced": set(), "named": [], "notes": []}
    if res is None:
        return out
    broken = (res.get("shop") or {}).get("broken") or {}
    out["final"] = {k for k, v in broken.items() if v}
    inter = res.get("interleave") or {}
    cands = candidates(run_dir, "candidates.json") if inter else set()
    early = candidates(run_dir, "early.json") if inter else set()
    for v in inter.get("violations") or []:
        out["forced"].add(v.get("invariant"))
        k = steps_key(v.get("pair"))
        out["named"].append("candidates" if k in cands else "early" if k in early else "neither")
    return out


def main():
    store, runs_tsv = Path(sys.argv[1]), Path(sys.argv[2])
    rows = [line.split("\t") for line in runs_tsv.read_text().splitlines() if line]
    for mode in MODES:
        mine = [(s, int(c), float(t)) for m, s, c, t in rows if m == mode]
        if not mine:
            continue
        runs = [one_run(store, mode, s) for s, _, _ in mine]
        n = len(mine)
        exits = {}
        for _, c, _ in mine:
            exits[c] = exits.get(c, 0) + 1
        print(f"\nmode {mode} ({MODES[mode]}): {n} runs, exit codes "
              + ", ".join(f"{c}: {k}" for c, k in sorted(exits.items())))
        print(f"  {'invariant':<12} {'final state broke':>18} {'nemesis found':>14}")
        for inv in INVARIANTS:
            final = sum(inv in r["final"] for r in runs)
            forced = sum(inv in r["forced"] for r in runs)
            print(f"  {inv:<12} {final:>12} of {n:<3} {forced:>8} of {n:<3}")
        named = [x for r in runs for x in r["named"]]
        if mode != "c":
            where = {w: named.count(w) for w in ("candidates", "early", "neither")}
            print(f"  violations: {len(named)}; their pair is in the run's candidates.json: "
                  f"{where['candidates']}, only in early.json: {where['early']}, "
                  f"in neither: {where['neither']}")
        missing = sum(not r["results"] for r in runs)
        if missing:
            print(f"  runs without results.json: {missing}")
        t = sorted(x for _, _, x in mine)
        print(f"  wall per run (s): min {t[0]:.1f}, median {statistics.median(t):.1f}, "
              f"max {t[-1]:.1f}")


if __name__ == "__main__":
    main()
