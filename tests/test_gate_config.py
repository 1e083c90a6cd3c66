"""A config the user can fix is a config error (exit 2, one line naming the key), never
an internal error (exit 3) or git's own complaint; in the hooks (the staged config)
and in verify (the base's config) alike."""

from __future__ import annotations

import pytest

from testing import Repo

DEEP = "x = " + "[" * 5000 + "]" * 5000 + "\n"

CASES = {
    "deep-nesting": (DEEP, ": invalid TOML: arrays or tables nested too deeply"),
    "exclude-glob": ('exclude = ["[z-a]"]\n',
                     ": key 'exclude' has an invalid glob '[z-a]': bad character range z-a"),
    "paths-glob": ('[paths]\nhigh = ["src/[z-a]/**"]\n',
                   ": key 'paths.high' has an invalid glob 'src/[z-a]/**': bad character "
                   "range z-a"),
    "allowlist-glob": ('[[allowlist]]\npath = "[z-a]"\nreason = "fixtures"\n',
                       ": key 'allowlist[0].path' has an invalid glob '[z-a]': bad character "
                       "range z-a"),
    "custom-rule-glob": ('[[rules.custom]]\nid = "identity.custom.sso"\nkind = "path"\n'
                         'tier = "high"\npaths = ["[z-a]"]\n',
                         ": key 'rules.custom[0].paths' has an invalid glob '[z-a]': bad "
                         "character range z-a"),
    "param-type": ('[[rules.custom]]\nid = "leak.endpoint.lab"\nkind = "line"\n'
                   'regex = "lab"\nparams = { networks = 5 }\n',
                   ": key 'rules.custom[0].params.networks' must be an array, got 5"),
    "param-item-type": ('[[rules.custom]]\nid = "leak.endpoint.lab"\nkind = "line"\n'
                        'regex = "lab"\nparams = { suffixes = [5] }\n',
                        ": key 'rules.custom[0].params.suffixes[0]' must be a string, "
                        "got 5"),
    "huge-size": ("max_file_size = 100000000000000000000\n",
                  ": key 'max_file_size' must be a positive integer up to 2147483647, got "
                  "100000000000000000000"),
    "float-size": ("max_file_size = 1e26\n",
                   ": key 'max_file_size' must be a positive integer up to 2147483647, got "
                   "1e+26"),
    "reserved-trailer": ('[trailers]\nreviews = "Reviewed-by"\n',
                         ": key 'trailers.reviews' must not be 'Reviewed-by': git or other "
                         "tools own that trailer, and authgate rewrites its own"),
    "same-trailers": ('[trailers]\nai = "Identity-Impact"\n',
                      ": key 'trailers.ai' must differ from 'trailers.impact' (both are "
                      "'Identity-Impact')"),
}


def _one_line(proc_stderr: str, returncode: int) -> str:
    assert returncode == 2, proc_stderr
    assert "Traceback" not in proc_stderr and "internal error" not in proc_stderr
    lines = proc_stderr.strip().splitlines()
    assert len(lines) == 1, proc_stderr
    return lines[0]


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_broken_staged_config_stops_check_with_one_line(repo: Repo, case: str) -> None:
    text, why = CASES[case]
    repo.write("README.md", "app\n")
    repo.add()
    repo.commit("base")
    repo.write(".authgate.toml", text)
    repo.write("app.py", "print('hello')\n")
    repo.add()
    proc = repo.main("check")
    assert _one_line(proc.stderr, proc.returncode) == f"authgate: .authgate.toml (staged){why}"


@pytest.mark.parametrize("case", ["deep-nesting", "exclude-glob", "param-type", "huge-size"])
def test_a_broken_base_config_stops_verify_with_one_line(repo: Repo, case: str) -> None:
    text, why = CASES[case]
    repo.write(".authgate.toml", text)
    repo.add()
    base = repo.commit("base")
    repo.write("app.py", "print('hello')\n")
    repo.add()
    repo.commit("app")
    proc = repo.main("verify", "--range", f"{base}..HEAD")
    assert _one_line(proc.stderr, proc.returncode) == (
        f"authgate: .authgate.toml (at {base[:12]}){why}")
