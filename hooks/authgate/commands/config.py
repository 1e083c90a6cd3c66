"""`authgate config`: the effective configuration, as TOML."""

from __future__ import annotations

import argparse
import sys

from authgate import config, gitio


def run(args: argparse.Namespace) -> int:
    cfg = config.load(gitio.toplevel(), args.config)
    sys.stdout.write(config.as_toml(cfg))
    return 0
