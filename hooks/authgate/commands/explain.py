"""`authgate explain RULE-ID`."""

from __future__ import annotations

import argparse

from authgate.commands import rules


def run(args: argparse.Namespace) -> int:
    return rules.explain(args)
