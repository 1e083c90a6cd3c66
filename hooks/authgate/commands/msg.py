"""Placeholder until `authgate msg` lands."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    sys.stderr.write("authgate: 'msg' is not implemented yet\n")
    return 2
