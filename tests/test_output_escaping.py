"""Output injection: nothing from the change (a file name, a commit subject, a trailer,
a line of content) can forge a line, send a terminal sequence, or render in markdown.

File names may hold newlines, tabs and ESC; subjects and trailers may hold raw HTML and
CR; content may hold markdown images and links. Each output kind has one escaping
function (authgate.escape) and these tests drive the real commands over real git (and
the message hook through the real pre-commit) to show it is used everywhere.
"""

from __future__ import annotations

import re

import pytest

from testing import Repo

# A file name that, printed raw, starts a line with a GitHub workflow command.
FORGED = "app/auth/x\n::error file=app.py::all checks passed.py"
# A file name that, printed raw, retitles the terminal (OSC) and clears it (CSI).
ESCAPES = "app/auth/\x1b]0;owned\x07\x1b[2Jy.py"
BLOCKING = "import jwt\n\npayload = jwt.decode(t, k, verify=False)\n"


def _no_forged_line(out: str) -> None:
    assert not any(line.startswith("::error file=app.py") for line in out.splitlines()), out
    assert "\x1b" not in out and "\x07" not in out, repr(out)


def test_the_message_hook_prints_block_reasons_escaped(hooked_repo: Repo) -> None:
    repo = hooked_repo
    repo.write(FORGED, BLOCKING)
    repo.write(ESCAPES, BLOCKING)
    repo.add()
    # --no-verify skips the content hook; prepare-commit-msg (the message hook) still
    # runs and blocks, printing its reasons.
    proc = repo.git("commit", "--no-verify", "-m", "read tokens", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0
    assert "identity.jwt.verification-disabled" in out
    _no_forged_line(out)
    # Each name is still shown, escaped, on its reason's line.
    assert "app/auth/x\\n::error file=app.py::all checks passed.py" in out
    assert "app/auth/\\x1b]0;owned\\x07\\x1b[2Jy.py" in out


@pytest.mark.parametrize("fmt", ["text", "github", "markdown"])
def test_check_escapes_file_names_in_every_format(repo: Repo, fmt: str) -> None:
    repo.commit("init", "--allow-empty")
    repo.write(FORGED, BLOCKING)
    repo.write(ESCAPES, BLOCKING)
    repo.write("app/auth/tab\there.py", BLOCKING)
    repo.add()
    proc = repo.main("check", "--format", fmt)
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    _no_forged_line(out)
    if fmt == "github":
        # Annotation properties percent-encode CR, LF, tab, ':' and ','.
        assert "file=app/auth/tab%09here.py" in out
        assert "file=app/auth/x%0A%3A%3Aerror file=app.py%3A%3Aall checks passed.py" in out


def _unescaped(markdown: str, construct: str) -> bool:
    return re.search(r"(?<!\\)" + re.escape(construct), markdown) is not None


def test_check_markdown_renders_no_image_or_link_from_content(repo: Repo) -> None:
    repo.commit("init", "--allow-empty")
    repo.write("app/auth/__init__.py", (
        "# Certainly! Here is the updated code ![pixel](https://evil.example/p.png) "
        "[click](https://evil.example/login) <img src=x onerror=alert(1)> **done**\n"))
    repo.add()
    out = repo.main("check", "--format", "markdown").stdout
    assert "provenance.artifact.chat-phrase" in out
    for construct in ("![", "](", "<img", "**done", "__init__"):
        assert not _unescaped(out.replace("**blocked**", ""), construct), (construct, out)
    # What it says is still there, readable once rendered.
    assert "app/auth/\\_\\_init\\_\\_.py" in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out


def test_verify_markdown_passes_no_html_or_cr_from_subjects_and_paths(repo: Repo) -> None:
    base = repo.commit("init", "--allow-empty")
    repo.write("app/auth/__init__.py", BLOCKING)
    repo.write("app/auth/a\r## authgate verify: ok\r.py", BLOCKING)
    repo.add()
    repo.commit("fix login <h2>All commits OK</h2>")
    out = repo.main("verify", "--range", f"{base}..HEAD", "--format", "markdown").stdout
    assert "FAILED" in out
    assert "\r" not in out
    assert "<h2>" not in out and "&lt;h2&gt;All commits OK&lt;/h2&gt;" in out
    # Only authgate's own headings (the summary, and the commit's reviewer checklist,
    # whose subject is escaped text): the forged one in the path is inside a table cell.
    headings = [ln for ln in out.splitlines() if ln.startswith("#")]
    assert headings[0] == "## authgate verify"
    assert all(h == "## authgate verify" or h.startswith("### Reviewer checklist for ")
               for h in headings), headings
    assert not any("verify: ok" in h for h in headings)
    # Paths and globs do not turn bold or italic.
    assert "app/auth/\\_\\_init\\_\\_.py" in out
    assert not _unescaped(out, "**/*auth*")


def test_verify_range_summary_escapes_a_trailer(repo: Repo) -> None:
    base = repo.commit("init", "--allow-empty")
    repo.write("app/views.py", "def index():\n    return 'hello'\n")
    repo.add()
    repo.commit("add index\n\nAI-Assisted: claude-code\x1b]0;owned\x07\x1b[31m")
    for fmt in ("text", "github", "markdown"):
        proc = repo.main("verify", "--range", f"{base}..HEAD", "--format", fmt)
        out = proc.stdout + proc.stderr
        assert "claude-code" in out, (fmt, out)
        assert "\x1b" not in out and "\x07" not in out, (fmt, repr(out))
