"""The CI recipes of the README, run as far as this machine allows: every shell step
of the GitHub Actions workflow and every script line of the GitLab CI job runs here,
in bash, against a scratch repository shaped like a pull request. What cannot run
here (checkout, setup-python, the SARIF upload) is replaced by what it guarantees: a
full-depth clone, authgate on PATH, and a SARIF file that code scanning accepts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from testing import Repo

GITHUB_WORKFLOW = """\
name: authgate
on:
  pull_request:
permissions:
  contents: read
  security-events: write   # for the SARIF upload
  actions: read            # upload-sarif in a private repository reads the run
jobs:
  verify:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0   # verify reads every commit, and the policy at the base
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install authgate
        run: python -m pip install "git+https://git.example.com/security/authgate@v0.2.0"
      - name: Verify the pull request's commits
        env:
          BASE_SHA: ${{ github.event.pull_request.base.sha }}
          HEAD_SHA: ${{ github.event.pull_request.head.sha }}
        run: |
          authgate verify --range "$BASE_SHA..$HEAD_SHA" --report sarif=authgate.sarif --report markdown="$GITHUB_STEP_SUMMARY"
      - name: Upload to code scanning
        # A fork's pull request gets a read-only token: no upload, the verdict stands.
        if: ${{ always() && hashFiles('authgate.sarif') != '' && !github.event.pull_request.head.repo.fork }}
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: authgate.sarif
          category: authgate-verify
"""  # noqa: E501

GITLAB_JOB = """\
authgate-verify:
  stage: test
  image: python:3.12
  variables:
    GIT_DEPTH: "0"   # verify reads every commit, and the policy at the base
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - python -m pip install "git+https://git.example.com/security/authgate@v0.2.0"
    - authgate verify --range "$CI_MERGE_REQUEST_DIFF_BASE_SHA..$CI_COMMIT_SHA" --report gitlab=gl-code-quality.json
  artifacts:
    when: always   # the report of a failed run is the one to show
    reports:
      codequality: gl-code-quality.json
"""  # noqa: E501

# Installing from an index is what the recipes do; here authgate is already installed.
INSTALL = re.compile(r"^python -m pip install ")


def _pull_request(repo: Repo, *, bad: bool) -> tuple[str, str]:
    """A base commit and a two-commit pull request on top of it; with `bad`, the
    second commit claims an Authgate-Tree of content it no longer has."""
    repo.write("README.md", "base\n")
    repo.add()
    base = repo.commit("base")
    repo.write("src/app.py", "print('one')\n")
    repo.add()
    tree = repo.out("write-tree")
    repo.commit(f"one\n\nAuthgate-Tree: {tree}")
    repo.write("src/app.py", "print('two')\n")
    repo.add()
    tree = repo.out("write-tree")
    if bad:
        repo.write("src/app.py", "print('two, changed after the hooks ran')\n")
        repo.add()
    head = repo.commit(f"two\n\nAuthgate-Tree: {tree}")
    return base, head


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub's `bash` shell on Linux; GitLab's runner also stops at the first failure.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env, "PATH": path})


def _expressions(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{\{\s*([\w.]+)\s*\}\}", lambda m: values[m.group(1)], text)


def _assert_code_scanning_accepts(sarif_path: Path) -> list[dict[str, Any]]:
    doc = json.loads(sarif_path.read_text(encoding="utf-8"))
    assert doc["version"] == "2.1.0"
    results: list[dict[str, Any]] = doc["runs"][0]["results"]
    for r in results:
        # upload-sarif rejects the whole file if one result has no location.
        assert r["locations"], r
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    return results


def _run_github(repo: Repo, base: str, head: str, tmp_path: Path
                ) -> tuple[subprocess.CompletedProcess[str], Path]:
    workflow = yaml.safe_load(GITHUB_WORKFLOW)
    steps = workflow["jobs"]["verify"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[0]["with"]["fetch-depth"] == 0
    event = {"github.event.pull_request.base.sha": base,
             "github.event.pull_request.head.sha": head}
    summary = tmp_path / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    proc = None
    for step in steps:
        if "run" not in step or INSTALL.match(step["run"]):
            continue
        env = {k: _expressions(str(v), event) for k, v in step.get("env", {}).items()}
        env["GITHUB_STEP_SUMMARY"] = str(summary)
        proc = _bash(_expressions(step["run"], event), repo.path, env)
    assert proc is not None
    upload = steps[-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert (repo.path / upload["with"]["sarif_file"]).is_file()
    return proc, summary


def test_github_workflow_passes_a_clean_pull_request(repo: Repo, tmp_path: Path) -> None:
    base, head = _pull_request(repo, bad=False)
    proc, summary = _run_github(repo, base, head, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## authgate verify\n")
    assert "**ok**" in text
    assert f"- {base}..{head}: 2 commits verified" in text
    assert _assert_code_scanning_accepts(repo.path / "authgate.sarif") == []


def test_github_workflow_fails_a_pull_request_with_a_violation(
        repo: Repo, tmp_path: Path) -> None:
    base, head = _pull_request(repo, bad=True)
    proc, summary = _run_github(repo, base, head, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = summary.read_text(encoding="utf-8")
    assert "**FAILED: 1 of 2 commits violate: verify.tree.mismatch 1**" in text
    assert f"| block | `verify.tree.mismatch` | `{head[:12]}` | src/app.py |" in text
    results = _assert_code_scanning_accepts(repo.path / "authgate.sarif")
    assert [(r["ruleId"], r["level"]) for r in results] == [("verify.tree.mismatch", "error")]
    assert f"[commit {head[:12]}]" in results[0]["message"]["text"]


def test_github_workflow_judges_with_the_base_policy_not_the_checked_out_head(
        repo: Repo, tmp_path: Path) -> None:
    # The checkout is the pull request's head, whose .authgate.toml excludes everything;
    # the recipe still fails the key that a later commit of the pull request adds.
    repo.write("README.md", "base\n")
    repo.add()
    base = repo.commit("base")
    repo.write(".authgate.toml", 'exclude = ["**"]\n')
    repo.add()
    repo.commit("config")
    key = "".join(["AK", "IA", "Q7NR", "2KX5", "TLWM", "8ZPC"])
    repo.write("src/settings.py", f'AWS_ACCESS_KEY_ID = "{key}"\n')
    repo.add()
    head = repo.commit("settings")
    assert (repo.path / ".authgate.toml").read_text(encoding="utf-8") == 'exclude = ["**"]\n'
    proc, summary = _run_github(repo, base, head, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = summary.read_text(encoding="utf-8")
    assert "| block | `leak.secret.aws-key` |" in text
    assert "identity.gate.policy-changed" in text
    assert key not in text and key not in (repo.path / "authgate.sarif").read_text()


def _assert_code_quality(path: Path) -> list[dict[str, Any]]:
    """GitLab's Code Quality report: a JSON array of issues, each with a description,
    a check name, a fingerprint unique in the report, one of GitLab's five severities,
    and a repository-relative path with a 1-based line."""
    issues = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(issues, list)
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity",
                              "location"}, issue
        assert issue["description"] and issue["check_name"]
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        where = issue["location"]
        assert where["path"] and not where["path"].startswith(("/", "./"))
        assert isinstance(where["lines"]["begin"], int) and where["lines"]["begin"] >= 1
    prints = [i["fingerprint"] for i in issues]
    assert all(isinstance(p, str) and p for p in prints) and len(set(prints)) == len(prints)
    return issues


@pytest.mark.parametrize("bad", [False, True])
def test_gitlab_job_runs_the_same_commands(repo: Repo, bad: bool) -> None:
    job = yaml.safe_load(GITLAB_JOB)["authgate-verify"]
    assert job["variables"]["GIT_DEPTH"] == "0"
    base, head = _pull_request(repo, bad=bad)
    env = {"CI_MERGE_REQUEST_DIFF_BASE_SHA": base, "CI_COMMIT_SHA": head}
    script = "\n".join(line for line in job["script"] if not INSTALL.match(line))
    proc = _bash(script, repo.path, env)
    assert proc.returncode == (1 if bad else 0), proc.stdout + proc.stderr
    # One run: the verdict in the job log, the merge request's report in its file.
    assert "authgate verify: " in proc.stdout
    assert job["artifacts"]["when"] == "always"
    issues = _assert_code_quality(repo.path / job["artifacts"]["reports"]["codequality"])
    if bad:
        assert [(i["check_name"], i["severity"], i["location"]["path"]) for i in issues] == [
            ("verify.tree.mismatch", "blocker", "src/app.py")]
    else:
        assert issues == []


def test_the_readme_carries_these_recipes_verbatim() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert GITHUB_WORKFLOW in readme
    assert GITLAB_JOB in readme
