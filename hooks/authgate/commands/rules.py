"""`authgate rules`: one line per active rule; `authgate explain ID`: one rule in full."""

from __future__ import annotations

import argparse
import sys

from authgate import config, gitio, rules


def _load(args: argparse.Namespace) -> rules.RuleSet:
    try:
        root = gitio.toplevel()
    except gitio.GitError:
        root = "."  # listing rules needs no repository; a config there still applies
    return rules.load(config.load(root, args.config))


def run(args: argparse.Namespace) -> int:
    ruleset = _load(args)
    for r in sorted(ruleset, key=lambda r: r.id):
        tier = f" tier={r.tier}" if r.tier else ""
        sys.stdout.write(f"{r.id}  [{r.severity}, {r.action}{tier}]  {r.title}\n")
    sys.stdout.write(f"{len(ruleset)} rules\n")
    return 0


def explain(args: argparse.Namespace) -> int:
    ruleset = _load(args)
    rule = ruleset.get(args.rule_id)
    if rule is None:
        near = [r.id for r in ruleset if args.rule_id in r.id][:5]
        hint = f" (did you mean: {', '.join(near)})" if near else " (see `authgate rules`)"
        sys.stderr.write(f"authgate: unknown rule '{args.rule_id}'{hint}\n")
        return 2
    rows = [("id", rule.id), ("title", rule.title), ("severity", str(rule.severity)),
            ("default action", str(rule.action)), ("identity tier", str(rule.tier)),
            ("kind", rule.kind), ("lines", rule.lines if rule.kind in ("line", "window") else ""),
            ("paths", ", ".join(rule.paths)), ("exclude paths", ", ".join(rule.exclude_paths)),
            ("keywords", ", ".join(rule.keywords)), ("regex", rule.regex or ""),
            ("message", rule.message), ("fix", rule.fix), ("references", ", ".join(rule.refs)),
            ("origin", rule.origin)]
    for key, value in rows:
        if value:
            sys.stdout.write(f"{key + ':':16}{value}\n")
    # Family data (variable names, aliases, thresholds) is part of what the rule does.
    for key, value in sorted(rule.params.items()):
        shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        sys.stdout.write(f"{'params.' + key + ':':16}{shown}\n")
    return 0
