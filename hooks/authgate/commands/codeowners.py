"""Placeholder until `authgate codeowners` lands."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    sys.stderr.write("authgate: 'codeowners' is not implemented yet\n")
    return 2
