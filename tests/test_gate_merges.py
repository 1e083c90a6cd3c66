"""`authgate verify` judges what a merge adds beyond its parents: content that exists
only in the merge (a conflict resolution, an edit made under `merge --no-commit`, a
side's fix undone while resolving). A clean merge adds nothing and stays quiet."""

from __future__ import annotations

import json

from testing import Repo

AWS_KEY = "".join(["AK", "IA", "Q7NR", "2KX5", "TLWM", "8ZPC"])
TLS_OFF = 'requests.get(URL, verify=False)'
TLS_ON = 'requests.get(URL, verify=True)'


def _client(call: str, retries: int) -> str:
    return (f"import requests\n\nURL = 'https://api.example.com'\nRETRIES = {retries}\n\n\n"
            f"def fetch():\n    return {call}\n")


def _merge(repo: Repo, *args: str) -> str:
    repo.git("merge", "-q", "--no-ff", "--no-verify", *args)
    return repo.out("rev-parse", "HEAD")


def _verify(repo: Repo, base: str) -> tuple[int, dict[str, dict[str, object]], str]:
    proc = repo.main("verify", "--range", f"{base}..HEAD", "--format", "json")
    doc = json.loads(proc.stdout)
    text = repo.main("verify", "--range", f"{base}..HEAD").stdout
    return proc.returncode, {s["revision"]: s for s in doc["subjects"]}, text


def _rules(subject: dict[str, object]) -> set[str]:
    findings = subject["findings"]
    assert isinstance(findings, list)
    return {f["rule"] for f in findings if f["suppressed"] is None}


def _two_sides(repo: Repo) -> str:
    repo.write("README.md", "app\n")
    repo.add()
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.txt", "side\n")
    repo.add()
    repo.commit("side work")
    repo.git("checkout", "-q", "main")
    repo.write("main.txt", "main\n")
    repo.add()
    repo.commit("main work")
    return base


def test_content_added_under_merge_no_commit_is_judged(repo: Repo) -> None:
    base = _two_sides(repo)
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    repo.write("deploy/creds.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    repo.add("deploy/creds.py")
    repo.git("commit", "-q", "--no-verify", "-m", "Merge branch 'side'")
    merge = repo.out("rev-parse", "HEAD")
    code, subjects, text = _verify(repo, base)
    assert code == 1, text
    assert {"leak.secret.aws-key", "verify.blocking.landed"} <= _rules(subjects[merge])
    assert (f"verify.blocking.landed: 1 blocking finding landed: leak.secret.aws-key "
            f"[commit {merge[:12]}]") in text
    assert AWS_KEY not in text and AWS_KEY not in json.dumps(subjects)
    # Only the evil part: the sides' own files are not the merge's.
    paths = {f["path"] for f in subjects[merge]["findings"]}  # type: ignore[attr-defined]
    assert paths == {"deploy/creds.py"}


def test_a_conflict_resolution_that_writes_new_code_is_judged(repo: Repo) -> None:
    repo.write("app/client.py", _client(TLS_ON, 1))
    repo.add()
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("app/client.py", _client(TLS_ON, 2))
    repo.add()
    repo.commit("two retries")
    repo.git("checkout", "-q", "main")
    repo.write("app/client.py", _client(TLS_ON, 3))
    repo.add()
    repo.commit("three retries")
    assert repo.git("merge", "-q", "side", check=False).returncode != 0  # a conflict
    # The resolution takes neither side, and slips TLS verification off.
    repo.write("app/client.py", _client(TLS_OFF, 4))
    repo.add("app/client.py")
    repo.git("commit", "-q", "--no-verify", "--no-edit")
    merge = repo.out("rev-parse", "HEAD")
    code, subjects, text = _verify(repo, base)
    assert code == 1, text
    assert "identity.tls.verification-disabled" in _rules(subjects[merge]), text
    assert f"[commit {merge[:12]}]" in text


def test_a_fix_undone_while_resolving_a_conflict_is_judged(repo: Repo) -> None:
    repo.write("app/client.py", _client(TLS_OFF, 1))
    repo.add()
    start = repo.commit("insecure client")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("app/client.py", _client(TLS_OFF, 2))
    repo.add()
    repo.commit("two retries")
    repo.git("checkout", "-q", "main")
    repo.write("app/client.py", _client(TLS_ON, 1))
    repo.add()
    base = repo.commit("security fix: verify TLS")
    repo.write("app/client.py", _client(TLS_ON, 3))
    repo.add()
    repo.commit("three retries")
    assert repo.git("merge", "-q", "side", check=False).returncode != 0
    # "Take theirs" for the whole file: the side still has TLS verification off.
    repo.git("checkout", "--theirs", "app/client.py")
    repo.add("app/client.py")
    repo.git("commit", "-q", "--no-verify", "--no-edit")
    merge = repo.out("rev-parse", "HEAD")
    code, subjects, text = _verify(repo, base)
    assert code == 1, text
    assert "identity.tls.verification-disabled" in _rules(subjects[merge]), text
    assert start not in subjects


def test_clean_merges_add_nothing_and_stay_quiet(repo: Repo) -> None:
    base = _two_sides(repo)
    repo.git("checkout", "-q", "-b", "third", base)
    repo.write("third.txt", "third\n")
    repo.add()
    repo.commit("third work")
    repo.git("checkout", "-q", "main")
    first = _merge(repo, "-m", "merge side", "side")
    octopus = repo.git("merge", "-q", "--no-ff", "--no-verify", "-m", "octopus", "third",
                       check=False)
    assert octopus.returncode == 0
    second = repo.out("rev-parse", "HEAD")
    code, subjects, text = _verify(repo, base)
    assert code == 0, text
    for merge in (first, second):
        assert subjects[merge]["findings"] == [] and subjects[merge]["tier"] == "none"


def test_an_octopus_merge_is_judged_on_what_it_adds(repo: Repo) -> None:
    base = _two_sides(repo)
    repo.git("checkout", "-q", "-b", "third", base)
    repo.write("third.txt", "third\n")
    repo.add()
    repo.commit("third work")
    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side", "third")
    repo.write("deploy/creds.py", f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    repo.add("deploy/creds.py")
    repo.git("commit", "-q", "--no-verify", "-m", "octopus")
    merge = repo.out("rev-parse", "HEAD")
    assert len(repo.out("log", "-1", "--format=%P").split()) == 3
    code, subjects, text = _verify(repo, base)
    assert code == 1, text
    assert {f["path"] for f in subjects[merge]["findings"]} == {  # type: ignore[attr-defined]
        "deploy/creds.py"}
