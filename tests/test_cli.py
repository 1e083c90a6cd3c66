from __future__ import annotations

import subprocess
import sys

from testing import Repo


def test_version_prints_package_version(repo: Repo) -> None:
    from authgate import __version__

    proc = repo.authgate("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"authgate {__version__}"


def test_unknown_subcommand_is_one_line_exit_2(repo: Repo) -> None:
    proc = repo.main("frobnicate")
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_check_outside_a_repository_is_one_line_exit_2(tmp_path) -> None:
    proc = subprocess.run([sys.executable, "-m", "authgate", "check"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("authgate: not a git repository")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_check_with_nothing_staged_passes_silently(repo: Repo) -> None:
    repo.write("a.txt", "hello\n")
    repo.add()
    repo.commit()
    proc = repo.main("check")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_cli_formats_match_the_report_formats() -> None:
    from authgate import cli, report

    assert cli.FORMATS == report.FORMATS


def test_version_and_empty_check_import_no_heavy_modules(repo: Repo) -> None:
    # Start-up discipline: the commit path must not pay for detect-secrets, GitPython
    # or the rule catalogs when it has nothing to judge.
    repo.write("a.txt", "a\n")
    repo.add()
    repo.commit()
    probe = ("import sys, runpy; sys.argv = ['authgate'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('authgate', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('detect_secrets', 'git', 'requests') or m in "
             "('authgate.rules', 'authgate.report', 'authgate.checks')))")
    for args in (["--version"], ["check"]):
        proc = subprocess.run([sys.executable, "-c", probe, *args], cwd=repo.path,
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip().splitlines()[-1] == "[]", (args, proc.stdout)


def test_a_small_commit_loads_only_what_its_outcome_needs(repo: Repo) -> None:
    # The commit path's start-up: a change with no secret-like line never imports
    # detect-secrets (the gate is lossless: it would find nothing), and the text report
    # loads no other format's renderer; asking for JSON loads that one, and prints it.
    repo.write("a.txt", "a\n")
    repo.add()
    repo.commit()
    repo.write("app/views.py", "def index(request):\n    return render(request, 'index.html')\n")
    repo.add()
    probe = ("import sys, runpy; sys.argv = ['authgate'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('authgate', run_name='__main__')\n"
             "except SystemExit as exc:\n    print('exit', exc.code)\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'detect_secrets'"
             " or m.startswith('authgate.report.')))")

    def run(*args: str) -> list[str]:
        proc = subprocess.run([sys.executable, "-c", probe, *args], cwd=repo.path,
                              capture_output=True, text=True)
        assert proc.stderr == "", proc.stderr
        return proc.stdout.splitlines()

    text = run("check")
    assert text[0].startswith("authgate: ok:") and text[-2] == "exit 0", text
    assert text[-1] == "['authgate.report.text']"
    as_json = run("check", "--format", "json")
    assert as_json[-2] == "exit 0" and '"schema": "authgate-report/1"' in "".join(as_json)
    assert as_json[-1] == "['authgate.report.documents', 'authgate.report.text']"


def test_cli_commands_name_every_subcommand() -> None:
    # build_parser makes only the parser of the command given; COMMANDS is how it knows
    # one: a subcommand missing from it would still parse, with every parser made.
    import argparse

    from authgate import cli

    sub = next(a for a in cli.build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    assert tuple(sub.choices) == cli.COMMANDS


def test_a_command_parses_as_with_every_parser_made() -> None:
    from authgate import cli

    for argv in (["check"], ["check", "--format", "json", "--only", "leaks,identity", "a.py"],
                 ["scan", "--rev", "HEAD~1", "--jobs", "2", "--no-cache"],
                 ["msg", ".git/COMMIT_EDITMSG", "message"], ["verify", "--range", "a..b"],
                 ["accept", "--last", "--reason", "test keys"], ["explain", "leak.x"],
                 ["install", "-t", "pre-commit"], ["version"], ["demo", "--keep"]):
        assert cli.build_parser(argv[0]).parse_args(argv) == cli.build_parser().parse_args(argv)


def test_a_small_commit_defines_its_values_without_dataclasses(repo: Repo) -> None:
    # Defining a dataclass compiles its generated methods, and importing dataclasses
    # imports inspect and ast: together a third of a small commit's start-up, once.
    repo.write("a.txt", "a\n")
    repo.add()
    repo.commit()
    repo.write("app/views.py", "def index(request):\n    return render(request, 'index.html')\n")
    repo.add()
    probe = ("import sys, runpy; sys.argv = ['authgate'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('authgate', run_name='__main__')\n"
             "except SystemExit as exc:\n    print('exit', exc.code)\n"
             "print(sorted(m for m in ('dataclasses', 'inspect', 'ast') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe, "check"], cwd=repo.path,
                          capture_output=True, text=True)
    assert proc.stderr == "", proc.stderr
    out = proc.stdout.splitlines()
    assert out[0].startswith("authgate: ok:") and out[-2:] == ["exit 0", "[]"], out
