"""Placeholder until `authgate demo` lands."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    sys.stderr.write("authgate: 'demo' is not implemented yet\n")
    return 2
