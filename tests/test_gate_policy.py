"""The policy that judges a change is never one the change brings.

`authgate verify` takes config, custom rules and the secrets baseline from the base
of the range; the hooks take them from the index. A change to the policy is itself a
finding (identity.gate.policy-changed) that no config can silence. Real git
throughout, the real pre-commit where the hooks matter."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from testing import Repo, Result

# Assembled at run time: no credential-shaped literal in the repository.
AWS_KEY = "".join(["AK", "IA", "Q7NR", "2KX5", "TLWM", "8ZPC"])
CREDS = f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n'
JWT_OFF = ('import jwt\n\n\ndef user(token: str) -> dict:\n'
           '    return jwt.decode(token, options={"verify_signature": False})\n')
POLICY_RULE = "identity.gate.policy-changed"

# Three ways a pull request could try to switch the gate off for its own later commits.
SWITCH_OFF = {
    "exclude": 'exclude = ["**"]\n',
    "policy": '[policy]\nleak = "off"\nidentity = "off"\nprovenance = "off"\n',
    "disable": '[rules]\ndisable = ["leak", "identity", "provenance"]\n',
}


def _base(repo: Repo) -> str:
    repo.write("README.md", "app\n")
    repo.add()
    return repo.commit("base")


def _verify(repo: Repo, *args: str) -> Result:
    return repo.main("verify", *args)


@pytest.mark.parametrize("how", sorted(SWITCH_OFF))
def test_a_pull_request_cannot_switch_off_the_check_of_its_own_commits(
        repo: Repo, how: str) -> None:
    base = _base(repo)
    repo.write(".authgate.toml", SWITCH_OFF[how])
    repo.add()
    policy = repo.commit("tidy up the linter config")
    repo.write("app/creds.py", CREDS)
    repo.write("app/auth.py", JWT_OFF)
    repo.add()
    landed = repo.commit("add the client")
    proc = _verify(repo, "--range", f"{base}..HEAD")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = _no_fp(proc.stdout)
    assert ("app/creds.py:1: leak.secret.aws-key: AWS access key (detect-secrets: AWS "
            "Access Key) [AWS_ACCESS_KEY_ID = \"A********C\"]") in out.splitlines()
    assert "app/auth.py:5: identity.jwt.verification-disabled: " in out
    assert "verify.blocking.landed: " in out and f"[commit {landed[:12]}]" in out
    # The policy change is itself reported, on the commit that makes it.
    assert (f".authgate.toml:1: {POLICY_RULE}: .authgate.toml changed: a change to the "
            "gate takes effect once it has landed, and needs the reviews of a high-impact "
            "change [added]") in out.splitlines()
    assert f"authgate verify: {policy[:12]} tidy up the linter config: BLOCKED: identity " \
           "impact high" in out
    assert f"authgate verify: policy: (defaults: no config file at {base[:12]})" in out
    assert AWS_KEY not in out and AWS_KEY[4:] not in out


def test_the_base_policy_judges_and_still_cannot_silence_a_change_to_itself(
        repo: Repo) -> None:
    # The base switches everything it can off; a change to the policy still needs review.
    repo.write(".authgate.toml", SWITCH_OFF["exclude"] + SWITCH_OFF["disable"] + (
        '[policy]\n"identity.gate" = "off"\n"identity.gate.policy-changed@config" = "warn"\n'
        '[[allowlist]]\nrule = "identity"\npath = ".authgate.toml"\nreason = "ours"\n'))
    repo.add()
    base = repo.commit("base policy")
    repo.write(".authgate.toml", SWITCH_OFF["exclude"] + 'ai = "allow"\n')
    repo.add()
    changed = repo.commit("policy: allow AI")
    proc = _verify(repo, "--range", f"{base}..HEAD", "--format", "json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    [subject] = json.loads(proc.stdout)["subjects"]
    assert subject["revision"] == changed and subject["tier"] == "high"
    [gate] = [f for f in subject["findings"] if f["rule"] == POLICY_RULE]
    assert (gate["action"], gate["suppressed"], gate["path"]) == ("annotate", None,
                                                                  ".authgate.toml")
    assert subject["findings"][0]["rule"] == "verify.trailers.missing"
    assert subject["required_reviews"] == ["code-owner", "iam", "security"]


def test_a_base_policy_may_make_the_policy_change_stricter(repo: Repo) -> None:
    repo.write(".authgate.toml", f'[policy]\n"{POLICY_RULE}" = "block"\n')
    repo.add()
    base = repo.commit("base policy")
    repo.write(".authgate.toml", f'[policy]\n"{POLICY_RULE}" = "block"\nai = "allow"\n')
    repo.add()
    repo.commit("policy")
    proc = _verify(repo, "--range", f"{base}..HEAD")
    assert proc.returncode == 1
    assert f"verify.blocking.landed: 1 blocking finding landed: {POLICY_RULE}" in proc.stdout


def test_the_explicit_config_is_honoured_and_watched(repo: Repo) -> None:
    base = _base(repo)
    repo.write("ci/authgate.toml", SWITCH_OFF["exclude"])
    repo.write("app/creds.py", CREDS)
    repo.add()
    repo.commit("ci policy and creds")
    proc = _verify(repo, "--range", f"{base}..HEAD", "--config", "ci/authgate.toml")
    # The user chose the file: it applies (everything excluded), and a change to it
    # inside the range is still the gate's own finding.
    assert "leak.secret" not in proc.stdout
    assert (f"ci/authgate.toml:1: {POLICY_RULE}: the config file ci/authgate.toml changed"
            in proc.stdout), proc.stdout
    assert "authgate verify: policy: ci/authgate.toml" in proc.stdout


# --- locally: the hooks follow the index -----------------------------------------------

def test_an_untracked_config_does_not_switch_the_hooks_off(repo: Repo) -> None:
    _base(repo)
    repo.write(".authgate.toml", SWITCH_OFF["exclude"])
    repo.write("app/creds.py", CREDS)
    repo.add("app/creds.py")
    proc = repo.main("check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = _no_fp(proc.stdout).splitlines()
    assert ('app/creds.py:1: leak.secret.aws-key: AWS access key (detect-secrets: AWS '
            'Access Key) [AWS_ACCESS_KEY_ID = "A********C"]') in lines
    notice = ("  .authgate.toml is not staged: authgate follows the staged config, not the "
              "work tree (`git add .authgate.toml` to apply it)")
    assert notice in lines
    # Not silent when nothing is found either: the notice is in every report.
    repo.write("app/creds.py", "REGION = 'eu-west-1'\n")
    repo.add("app/creds.py")
    proc = repo.main("check", "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["subjects"][0]["notes"] == [notice.strip()]


def test_unstaged_edits_to_the_config_are_reported_not_obeyed(repo: Repo) -> None:
    repo.write("pyproject.toml", '[project]\nname = "app"\n\n[tool.authgate]\nai = "allow"\n')
    _base(repo)
    repo.write("pyproject.toml", '[project]\nname = "app"\n\n[tool.authgate]\nai = "allow"\n'
               'exclude = ["**"]\n')
    repo.write("app/creds.py", CREDS)
    repo.add("app/creds.py")
    proc = repo.main("check")
    assert proc.returncode == 1
    assert ("  [tool.authgate] in pyproject.toml has unstaged changes: authgate follows the "
            "staged config, not the work tree (`git add pyproject.toml` to apply it)"
            ) in proc.stdout.splitlines()
    # Other tools' tables changing is not the gate's business.
    repo.write("pyproject.toml", '[project]\nname = "app2"\n\n[tool.authgate]\nai = "allow"\n')
    proc = repo.main("check")
    assert "pyproject.toml" not in proc.stdout
    # --config FILE is the user's explicit choice: honoured as given.
    repo.write("mine.toml", SWITCH_OFF["exclude"])
    proc = repo.main("check", "--config", "mine.toml")
    assert proc.returncode == 0 and "leak.secret" not in proc.stdout


def test_an_untracked_config_does_not_switch_the_commit_hooks_off(hooked_repo: Repo) -> None:
    hooked_repo.write(".authgate.toml", SWITCH_OFF["exclude"])
    hooked_repo.write("app/creds.py", CREDS)
    hooked_repo.add("app/creds.py")
    before = hooked_repo.out("rev-parse", "HEAD")
    proc = hooked_repo.git("commit", "-q", "-m", "add creds", check=False)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode != 0, out
    assert "app/creds.py:1: leak.secret.aws-key" in out
    assert ".authgate.toml is not staged: authgate follows the staged config" in out
    assert hooked_repo.out("rev-parse", "HEAD") == before
    assert AWS_KEY not in out


def test_a_staged_policy_change_is_governed_whatever_it_says(hooked_repo: Repo) -> None:
    # The index's config applies to its own commit, and the change to it needs review.
    hooked_repo.write(".authgate.toml", SWITCH_OFF["exclude"] + SWITCH_OFF["disable"])
    hooked_repo.add(".authgate.toml")
    proc = hooked_repo.git("commit", "-q", "-m", "policy", check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    body = hooked_repo.out("log", "-1", "--format=%B")
    assert "Identity-Impact: high\nRequires-Review: code-owner, iam, security\n" in body


# --- changes to the policy that used to go unreported -------------------------------

PYPROJECT = ('[project]\nname = "app"\n\n[tool.authgate]\ninternal_domains = [\n'
             + "".join(f'    "svc{i}.corp.example",\n' for i in range(12)) + ']\n\n'
             '[tool.black]\nline-length = 100\n')


def test_a_line_far_below_the_tool_authgate_header_is_a_policy_change(repo: Repo) -> None:
    repo.write("pyproject.toml", PYPROJECT)
    base = _base(repo)
    # Appended to the table 15 lines below its header: the hunk does not show it.
    repo.write("pyproject.toml", PYPROJECT.replace(']\n\n[tool.black]',
                                                   ']\nexclude = ["**"]\n\n[tool.black]'))
    repo.add()
    changed = repo.commit("more domains")
    repo.write("pyproject.toml", PYPROJECT.replace(']\n\n[tool.black]',
                                                   ']\nexclude = ["**"]\n\n[tool.black]')
               .replace("line-length = 100", "line-length = 120"))
    repo.add()
    other = repo.commit("black: longer lines")
    proc = _verify(repo, "--range", f"{base}..HEAD", "--format", "json")
    subjects = {s["revision"]: s for s in json.loads(proc.stdout)["subjects"]}
    [gate] = [f for f in subjects[changed]["findings"] if f["rule"] == POLICY_RULE]
    assert (gate["path"], gate["line"]) == ("pyproject.toml", 19)
    assert gate["message"].startswith("[tool.authgate] in pyproject.toml changed")
    assert POLICY_RULE not in {f["rule"] for f in subjects[other]["findings"]}
    assert subjects[other]["tier"] == "none"


def test_each_pyproject_of_a_range_is_judged_against_its_own_parent(repo: Repo) -> None:
    # verify reads each pyproject.toml blob once for the run (one commit's new blob is
    # the next one's old): what each commit changes must still be told apart.
    repo.write("pyproject.toml", PYPROJECT)
    base = _base(repo)
    steps = {}
    for name, text in (("unrelated", PYPROJECT.replace("= 100", "= 110")),
                       ("broken", PYPROJECT.replace("= 100", "= 110") + "[[[\n"),
                       ("mended", PYPROJECT.replace("= 100", "= 110")),
                       ("table", PYPROJECT.replace("svc0.", "svc00.")),
                       ("back", PYPROJECT.replace("svc0.", "svc00.").replace("= 100", "= 90"))):
        repo.write("pyproject.toml", text)
        repo.add()
        steps[repo.commit(name)] = name
    proc = _verify(repo, "--range", f"{base}..HEAD", "--format", "json")
    flagged = {steps[s["revision"]] for s in json.loads(proc.stdout)["subjects"]
               if POLICY_RULE in {f["rule"] for f in s["findings"]}}
    # An unreadable side counts as a change, both into it and out of it.
    assert flagged == {"broken", "mended", "table"}


def test_a_baseline_at_a_configured_path_is_the_policy(repo: Repo) -> None:
    empty = {"version": "1.5.0", "plugins_used": [{"name": "AWSKeyDetector"}],
             "filters_used": [], "results": {}}
    repo.write(".authgate.toml", 'baseline = "ci/secrets.json"\n')
    repo.write("ci/secrets.json", json.dumps(empty))
    base = _base(repo)
    repo.write("app/creds.py", CREDS)
    accepting = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "app/creds.py"], cwd=repo.path,
        capture_output=True, text=True, check=True).stdout
    repo.write("ci/secrets.json", accepting)
    repo.add()
    # Locally, the staged baseline accepts the key, and the change to it needs review.
    proc = repo.main("check", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [subject] = json.loads(proc.stdout)["subjects"]
    rules = {f["rule"]: f for f in subject["findings"]}
    assert rules[POLICY_RULE]["path"] == "ci/secrets.json"
    assert rules[POLICY_RULE]["message"].startswith("the secrets baseline ci/secrets.json")
    assert rules["leak.secret.aws-key"]["suppressed"] == "baseline: ci/secrets.json"
    assert subject["suppressed"] == 1 and subject["tier"] == "high"
    # In CI the base's baseline judges: the key it does not accept has landed.
    repo.commit("accept a key")
    proc = _verify(repo, "--range", f"{base}..HEAD")
    assert proc.returncode == 1
    assert "verify.blocking.landed: 1 blocking finding landed: leak.secret.aws-key" in proc.stdout
    assert f"ci/secrets.json:1: {POLICY_RULE}: the secrets baseline ci/secrets.json changed" \
           in proc.stdout


def test_a_commit_with_baselined_secrets_counts_them_as_suppressed(hooked_repo: Repo) -> None:
    hooked_repo.write("app/creds.py", CREDS)
    baseline = subprocess.run(
        [sys.executable, "-m", "detect_secrets", "scan", "app/creds.py"],
        cwd=hooked_repo.path, capture_output=True, text=True, check=True).stdout
    hooked_repo.write(".secrets.baseline", baseline)
    hooked_repo.add(".secrets.baseline")
    hooked_repo.git("commit", "-q", "-m", "baseline")
    base = hooked_repo.out("rev-parse", "HEAD")
    hooked_repo.add("app/creds.py")
    proc = hooked_repo.git("commit", "-q", "-m", "add creds", check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
    assert "Authgate-Suppressed: 1" in hooked_repo.out("log", "-1", "--format=%B")
    proc = _verify(hooked_repo, "--range", f"{base}..HEAD")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _no_fp(text: str) -> str:
    """The text report without each finding's fingerprint, `(fp ...)` (test_accept.py
    is about those)."""
    return re.sub(r" \(fp [0-9a-f]{12}\)", "", text)
