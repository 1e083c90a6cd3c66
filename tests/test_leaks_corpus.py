"""The labelled leak corpus (tests/corpus/leaks/, its format described in
tests/testing/leaks.py): precision and recall of the leak check, asserted at 100%."""

from __future__ import annotations

from authgate import rules as rules_mod

from testing.leaks import corpus_changes, corpus_config, corpus_files, labels, leak_findings, score


def test_corpus_precision_and_recall_are_total() -> None:
    expected, negatives = labels()
    findings = leak_findings(corpus_changes(), corpus_config())
    result = score(findings, expected, negatives)
    print(result.report())
    assert (result.precision, result.recall) == (1.0, 1.0), result.report()
    assert not result.wrong_action, result.report()


def test_corpus_covers_every_family_in_every_context() -> None:
    from authgate.checks.context import file_context

    expected, negatives = labels()
    findings = leak_findings(corpus_changes(), corpus_config())
    seen = {(f.rule_id.split(".")[1], f.context) for f in findings if f.suppressed is None}
    for group, context in [("secret", "code"), ("secret", "comment"), ("secret", "fixture"),
                           ("secret", "docs"), ("secret", "test"), ("secret", "config"),
                           ("endpoint", "code"), ("endpoint", "comment"),
                           ("endpoint", "fixture"), ("endpoint", "docs"),
                           ("endpoint", "test"), ("endpoint", "config"),
                           ("file", "config"), ("file", "fixture"), ("file", "docs")]:
        assert (group, context) in seen, f"no true positive of leak.{group} in {context}"
    every_rule = {r.id for r in rules_mod.load(corpus_config(), ["leak"])
                  if not r.id.startswith("leak.secret.")}
    assert every_rule <= {x.rule for x in expected}, every_rule - {x.rule for x in expected}
    # The negatives the issue names are all there.
    text = b"\n".join(corpus_files().values()).decode("utf-8", "replace")
    for must in ('password="changeme"', "192.0.2.", "198.51.100.", "2001:db8::",
                 "example.com", "http://localhost:"):
        assert must in text
    assert negatives >= 25
    assert file_context("tests/fixtures/users.json") == "fixture"
