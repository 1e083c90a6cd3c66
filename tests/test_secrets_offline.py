"""detect-secrets is imported without `requests` (authgate never verifies online) and
without `multiprocessing` (authgate never has it scan files in parallel), and nothing
else in the process is left with a stand-in."""

from __future__ import annotations

import subprocess
import sys

from testing import Repo

PROBE = """
import sys, runpy
sys.argv = ['authgate', 'check', '--only', 'leaks']
try:
    runpy.run_module('authgate', run_name='__main__')
except SystemExit as exc:
    code = exc.code
print('exit', code)
print('detect_secrets loaded', 'detect_secrets.core.scan' in sys.modules)
print('requests loaded', 'requests' in sys.modules)
print('multiprocessing loaded', 'multiprocessing' in sys.modules)
import requests
print('real requests', hasattr(requests, 'Session'))
from detect_secrets.core import secrets_collection
print('its multiprocessing works', secrets_collection.mp.cpu_count() >= 1)
import multiprocessing
print('real multiprocessing', hasattr(multiprocessing, 'Pool'), type(multiprocessing).__name__)
"""


def test_check_finds_secrets_without_importing_requests(repo: Repo) -> None:
    repo.write("app.py", "x = 1\n")
    repo.add()
    repo.commit()
    key = "AKIA" + "Q7NR2KX5TLWM8ZPC"  # assembled: no credential-shaped literal in the repo
    repo.write("app.py", f'x = 1\naws_key = "{key}"\n')
    repo.add()
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=repo.path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert "app.py:2: leak.secret.aws-key:" in proc.stdout
    assert out[-7:] == ["exit 1", "detect_secrets loaded True", "requests loaded False",
                        "multiprocessing loaded False", "real requests True",
                        "its multiprocessing works True", "real multiprocessing True module"]
    assert key not in proc.stdout
