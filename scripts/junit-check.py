#!/usr/bin/env python3
"""Reads a JUnit file with junitparser (a real consumer, as CI servers parse
them) and prints what it found, one line: `tests=N passed=N failure=N error=N
skipped=N`. Fails (exit 1) when the file does not parse, or when a suite's
counts disagree with its test cases. Used by the campaign test on nodes."""
import sys

from junitparser import JUnitXml, Error, Failure, Skipped

xml = JUnitXml.fromfile(sys.argv[1])
counts = {"tests": 0, "passed": 0, "failure": 0, "error": 0, "skipped": 0}
for suite in xml:
    cases = list(suite)
    kinds = {"failure": 0, "error": 0, "skipped": 0}
    for case in cases:
        counts["tests"] += 1
        results = case.result
        if not results:
            counts["passed"] += 1
        for r in results:
            kind = {Failure: "failure", Error: "error", Skipped: "skipped"}[type(r)]
            counts[kind] += 1
            kinds[kind] += 1
            if kind != "skipped" and not r.message:
                sys.exit(f"{sys.argv[1]}: {case.name}: a {kind} without a message")
    want = (suite.tests, suite.failures, suite.errors, suite.skipped)
    got = (len(cases), kinds["failure"], kinds["error"], kinds["skipped"])
    if want != got:
        sys.exit(f"{sys.argv[1]}: suite {suite.name} says {want}, its cases {got}")
print(" ".join(f"{k}={v}" for k, v in counts.items()))
