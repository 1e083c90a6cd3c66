"""verify's range report: the summary goes through report.py's one markdown escaping
path, whatever a commit subject, a trailer or a path carries."""

from __future__ import annotations

from conftest import Repo

BLOCKING = "import jwt\n\npayload = jwt.decode(t, k, verify=False)\n"


def test_an_html_comment_in_a_subject_or_trailer_does_not_hide_the_job_summary(
        repo: Repo) -> None:
    base = repo.commit("init", "--allow-empty")
    repo.write("app/auth/tokens.py", BLOCKING)
    repo.add()
    # An open HTML comment would hide everything after it once the summary renders.
    repo.commit("read tokens <!-- the rest is hidden",
                "-m", "AI-Assisted: <!-- claude -->")
    out = repo.authgate("verify", "--range", f"{base}..HEAD", "--format", "markdown").stdout
    assert "<!--" not in out and "-->" not in out
    assert "read tokens &lt;\\!-- the rest is hidden" in out
    # The range summary lists the commit as AI-assisted, escaped the same way.
    assert "AI-assisted: " in out and "(&lt;\\!-- claude --&gt;)" in out
    assert out.startswith("## authgate verify\n\n**FAILED: 1 of 1 commits violate: ")
    assert "| block | `verify.blocking.landed` |" in out
