"""`authgate accept`: accept findings of the last run as false positives, with a reason.

`authgate accept --last --reason TEXT` takes the last `check` or `scan` run's blocking
findings (`--all`: every finding it counted; or the fingerprints named) from
`.git/authgate/last-run.json` (lastrun.py) and appends one allowlist entry per finding
to the config file: its fingerprint, its rule, the reason, and a comment saying where
it was. Never a secret: a fingerprint is a hash, and the comment names only a place.

The config is the policy, so the change is one a reviewer sees: the hooks obey it once
it is staged, the commit that carries it is `identity.gate.policy-changed`, and
`authgate verify` applies it once it has landed on the branch the range starts from.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9 and 3.10
    import tomli as tomllib

from authgate import config, gitio, lastrun
from authgate.config import ConfigError


def run(args: argparse.Namespace) -> int:
    root = gitio.toplevel()
    reason = (args.reason or "").strip()
    if not reason or not reason.isprintable():
        raise ConfigError("--reason must say, on one line, why the findings are safe")
    last = lastrun.read(gitio.git_dir(root))
    if args.fingerprints:
        known = {r.fingerprint: r for r in last.findings}
        missing = [fp for fp in args.fingerprints if fp not in known]
        if missing:
            raise ConfigError(f"fingerprint {_visible(missing[0])} is not among the last run's "
                              f"findings ({last.command}, {last.time}); run it again")
        chosen = [known[fp] for fp in dict.fromkeys(args.fingerprints)]
    elif args.last:
        chosen = [r for r in last.findings if args.all or r.action == "block"]
    else:
        raise ConfigError("name the findings: --last, or their fingerprints")
    if not chosen:
        what = "findings" if args.all else "blocking findings (--all accepts every finding)"
        print(f"authgate: nothing to accept: the last run ({last.command}, {last.time}) "
              f"had no {what}")
        return 0

    path, shown, prefix = _target(root, args.config)
    old = _read(path, shown)
    present = _present(old, shown, prefix)
    new = [r for r in chosen if r.fingerprint not in present]
    if new:
        text = old + ("\n" if old and not old.endswith("\n") else "") + "".join(
            _entry(r, reason, prefix, last) for r in new)
        _check(text, shown, prefix)
        _write(path, text)
    for r in chosen:
        state = "accepted" if r in new else "already accepted"
        print(_visible(f"authgate: {state}: {r.fingerprint} {r.rule} ({r.location})"))
    if last.more and args.last:
        print(f"authgate: {last.more} more findings of that run were not recorded; "
              "accept them after fixing these")
    if new:
        print(_visible(
            f"authgate: wrote {len(new)} allowlist entr{'y' if len(new) == 1 else 'ies'} to "
            f"{shown}. It is the policy: `git add {shown}` for the hooks to use it (they "
            "read the staged config); the commit that carries it is "
            "identity.gate.policy-changed and needs a high-impact review, and CI's "
            "`authgate verify` applies it once it has landed on the target branch."))
    return 0


def _visible(text: str) -> str:
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _target(root: str, explicit: str | None) -> tuple[str, str, str]:
    """(file, its name as shown, key prefix of the allowlist table) that the hooks
    read: `--config FILE`, else .authgate.toml, else pyproject.toml, else a new
    .authgate.toml."""
    if explicit is not None:
        path = explicit if os.path.isabs(explicit) else os.path.join(root, explicit)
        return path, explicit, _prefix(path, os.path.basename(path), explicit)
    for name in config.CONFIG_FILES:
        path = os.path.join(root, name)
        if os.path.isfile(path):
            return path, name, _prefix(path, name, name)
    return os.path.join(root, ".authgate.toml"), ".authgate.toml", ""


def _prefix(path: str, name: str, shown: str) -> str:
    if name == "pyproject.toml":
        return "tool.authgate."
    data = _toml(_read(path, shown), shown)
    # The form `authgate config` prints, saved as a file: one table down.
    return "tool.authgate." if set(data) == {"tool"} else ""


def _read(path: str, shown: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot read: {exc}") from exc


def _toml(text: str, shown: str) -> dict[str, object]:
    try:
        data: dict[str, object] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown}: invalid TOML: {exc}") from exc


def _table(text: str, shown: str, prefix: str) -> dict[str, object]:
    data = _toml(text, shown)
    for key in prefix.split(".")[:-1]:
        sub = data.get(key, {})
        data = sub if isinstance(sub, dict) else {}
    return data


def _present(text: str, shown: str, prefix: str) -> set[str]:
    entries = _table(text, shown, prefix).get("allowlist", [])
    if not isinstance(entries, list):
        return set()
    return {str(e.get("fingerprint")) for e in entries if isinstance(e, dict)}


def _entry(r: lastrun.Recorded, reason: str, prefix: str, last: lastrun.LastRun) -> str:
    # A TOML basic string: JSON's escapes are TOML's, and every value here is printable
    # (a reason is checked, fingerprints and rule ids are checked when read).
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    where = _visible(f"{r.location}: {r.rule}")
    day = last.time[:10] or time.strftime("%Y-%m-%d", time.gmtime())
    return (f"\n[[{prefix}allowlist]]\n"
            f"# {where} (accepted {day} from `authgate {last.command}`)\n"
            f"fingerprint = {q(r.fingerprint)}\nrule = {q(r.rule)}\nreason = {q(reason)}\n")


def _check(text: str, shown: str, prefix: str) -> None:
    """The file as it would be written must still be a valid config."""
    try:
        config.parse(_table(text, shown, prefix), shown)
    except ConfigError as exc:
        raise ConfigError(f"{shown}: the allowlist entries cannot be added ({exc}); "
                          "nothing was written") from exc


def _write(path: str, text: str) -> None:
    """Replace the file whole (a crash leaves the old one), keeping its mode."""
    real = os.path.realpath(path)
    folder = os.path.dirname(real)
    try:
        mode = os.stat(real).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".authgate-accept-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, real)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    finally:
        sys.stdout.flush()
