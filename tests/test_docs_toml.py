"""Every ```toml block of README.md and docs/*.md is a config the real loader accepts,
checked against the real catalogs: an example that names a rule that does not exist,
or a key authgate does not read, fails here, not in a reader's repository.

A block with `[tool.authgate...]` tables is loaded as the `pyproject.toml` it is a
part of; a block without is loaded as a `.authgate.toml`. No block is skipped: one that
is not a config has no business being marked ```toml in these documents."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from authgate import config, rules

from testing import PROJECT

FENCE = re.compile(r"^```toml[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, int, str]]:
    out = []
    for doc in [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append((doc.relative_to(PROJECT).as_posix(), line, m[1]))
    return out


def test_the_readme_has_its_configuration_example() -> None:
    # Guards the extraction itself: a fence the pattern missed would pass silently.
    found = blocks()
    assert any(doc == "README.md" and "[[tool.authgate.rules.custom]]" in body
               for doc, _, body in found)
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert len([b for b in found if b[0] == "README.md"]) == readme.count("```toml")


@pytest.mark.parametrize("doc, line, body", blocks(), ids=lambda v: str(v)[:40])
def test_every_toml_example_loads_against_the_real_catalog(
        tmp_path: Path, doc: str, line: int, body: str) -> None:
    name = "pyproject.toml" if re.search(r"^\[+tool\.authgate", body, re.MULTILINE) \
        else ".authgate.toml"
    (tmp_path / name).write_text(body, encoding="utf-8")
    try:
        cfg = config.load(str(tmp_path))
        ruleset = rules.load(cfg)
    except config.ConfigError as exc:
        pytest.fail(f"{doc}:{line}: the example does not load: {exc}")
    assert cfg.source.startswith(name) and len(ruleset) > 0
    if name == "pyproject.toml":
        assert "no [tool.authgate]" not in cfg.source, f"{doc}:{line}: nothing was read"
