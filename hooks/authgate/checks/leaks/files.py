"""`leak.file.*`: files that hold credentials by what they are (keys, keystores,
`.netrc`, `.env` with values, transcripts); a `.env` is judged by its values."""

from __future__ import annotations

import posixpath
import re

from authgate.changes import FileChange
from authgate.checks import secrets
from authgate.checks.context import (
    file_context,
)
from authgate.checks.leaks.line import _finding
from authgate.checks.leaks.plan import _applies, _Plan
from authgate.findings import Action, Finding, scrub
from authgate.rules import Rule


def _sensitive_file(fc: FileChange, plan: _Plan) -> list[Finding]:
    out = []
    for rule in plan.files:
        if not _applies(rule, fc.path):
            continue
        if rule.pattern is not None and not any(
                rule.pattern.search(ln.text) for ln in fc.added):
            continue
        file_ctx = file_context(fc.path)
        ctx = file_ctx if file_ctx != "code" else "config"
        action, message = rule.action, rule.message
        if rule.params.get("judge") == "values":
            judged, message = _judge_values(rule, fc)
            if judged is None:
                continue
            action = judged
        evidence = f"{fc.status.value}: {fc.path}"
        out.append(_finding(rule, fc.path, None, ctx, action, message,
                            scrub(evidence), fc.blob or fc.path))
    return out


# The words of an env file's name that make it a template (its values are examples)
# or a development or test environment (its values are local defaults).
_TEMPLATE_WORDS = frozenset(("example", "examples", "sample", "samples", "template",
                             "templates", "dist", "defaults", "default", "tmpl", "tpl",
                             "skel", "skeleton"))

_DEV_WORDS = frozenset(("test", "tests", "testing", "ci", "e2e", "dev", "development",
                        "devcontainer", "local-dev", "fixture", "fixtures", "mock"))

_ASSIGNMENT = re.compile(r"""^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$""")


def is_env_file(path: str) -> bool:
    base = posixpath.basename(path).lower()
    return base == ".env" or base.startswith(".env.") or base.endswith(".env") or \
        ".env." in base


def env_kind(path: str) -> str:
    """"template" (`example.env`, `.env.sample`, `app.env.template`), "dev" (a test,
    CI or development environment: `hack/test.env`, `.env.test`, anything under
    `.devcontainer/` or a test folder) or "env"."""
    base = posixpath.basename(path).lower()
    parts = set(re.split(r"[._-]+", base))
    if parts & _TEMPLATE_WORDS:
        return "template"
    if parts & _DEV_WORDS or "/.devcontainer/" in "/" + path.lower() or \
            file_context(path) in ("test", "fixture"):
        return "dev"
    return "env"


def _judge_values(rule: Rule, fc: FileChange) -> tuple[Action | None, str]:
    """An env file is judged by its values, like any secret: one that assigns a
    credential-looking value to a secret's name blocks (annotates in a development or
    test environment); one with other values annotates; a template, or a development
    environment with placeholder values only, is not a leak."""
    kind = env_kind(fc.path)
    if kind == "template":
        return None, rule.message
    credential = False
    for ln in fc.added:
        m = _ASSIGNMENT.match(ln.text)
        if m is None or rule.pattern is None or not rule.pattern.search(ln.text):
            continue
        value = re.split(r"\s+#", m[2].strip(), maxsplit=1)[0].strip().strip("'\"")
        if secrets.secret_name(m[1]) and secrets.value_kind(value)[0] == secrets.CREDENTIAL:
            credential = True
            break
    if credential:
        if kind == "dev":
            return Action.ANNOTATE, rule.message + " (a credential in a development or test " \
                                                   "environment)"
        return rule.action, rule.message + " (a credential among them)"
    if kind == "dev":
        return None, rule.message
    return Action.ANNOTATE, rule.message
