"""verify's range report: the summary goes through report.py's one markdown escaping
path, whatever a commit subject, a trailer or a path carries."""

from __future__ import annotations

from testing import Repo

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


LOGIN = "def login(user, password):\n    return user.check_password(password)\n"


def test_verify_reads_trailers_as_git_does_with_the_repository_settings(repo: Repo) -> None:
    """`trailer.<name>.key` makes a paragraph with prose in it a trailer block for git
    (a recognised trailer and at least 25% trailers): verify reads the claims git
    reads (`%(trailers)` in its batched log), not a second reading of its own."""
    base = repo.commit("init", "--allow-empty")
    repo.git("config", "trailer.ticket.key", "Ticket")
    repo.write("src/auth/login.py", LOGIN)
    repo.add()
    tree = repo.out("write-tree")
    message = ("Add login\n\n"
               "Ticket: AUTH-1\n"
               "Identity-Impact: high\n"
               "Requires-Review: code-owner, iam, security\n"
               f"Authgate-Tree: {tree}\n"
               "reviewed on the call with the security team\n")
    parsed = repo.git("interpret-trailers", "--parse", input=message.encode()).stdout
    assert b"Identity-Impact: high\n" in parsed  # git's own reading: a trailer block
    repo.commit(message)
    proc = repo.authgate("verify", "--range", f"{base}..HEAD")
    assert proc.returncode == 0, proc.stdout
    assert "hooks bypassed" not in proc.stdout
    assert proc.stdout.endswith("authgate verify: ok\n")
