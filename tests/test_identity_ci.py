"""Non-human identities in CI (issue 12): the credentials a pipeline holds, how it gets
them and what gates them are identity changes, reviewed as IAM: `permissions:`,
secrets passed to reusable workflows or inherited, GITHUB_TOKEN and PATs replaced, OIDC
token exchange (AWS, Google, Vault), trusted publishing, GitLab ID tokens and
CI_JOB_TOKEN, the repository or ref a job that holds secrets is limited to. All route
high with the IAM review and the checklist "least privilege; short-lived; scoped to
the environment"; `secrets: inherit` is no secret leak. Real git."""

from __future__ import annotations

import pytest

from testing import Repo
from testing.staged import Case, Tier, judge, leaks, rule_ids

WORKFLOW = ".github/workflows/release.yml"
BASE = """name: release
on:
  push:
    tags: ['v*']
jobs:
  publish:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""
CI_ITEMS = ["least privilege", "short-lived", "scoped to the environment"]

CHANGES = [
    Case("secrets-inherit", ".github/workflows/call.yml",
         "jobs:\n  build:\n    uses: ./.github/workflows/build.yml\n",
         "jobs:\n  build:\n    uses: ./.github/workflows/build.yml\n    secrets: inherit\n"),
    Case("secret-passed-to-reusable", ".github/workflows/call.yml",
         "jobs:\n  build:\n    uses: org/repo/.github/workflows/build.yml@v1\n",
         "jobs:\n  build:\n    uses: org/repo/.github/workflows/build.yml@v1\n"
         "    secrets:\n      DEPLOY_KEY: ${{ secrets.DEPLOY_KEY }}\n"),
    Case("pat-replaced-by-github-token", WORKFLOW,
         BASE + "      - run: gh release create $TAG\n        env:\n"
                "          GH_TOKEN: ${{ secrets.RELEASE_PAT }}\n",
         BASE + "      - run: gh release create $TAG\n        env:\n"
                "          GH_TOKEN: ${{ github.token }}\n"),
    Case("aws-oidc", WORKFLOW, BASE,
         BASE + "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
                "          role-to-assume: arn:aws:iam::123456789012:role/deploy\n"
                "          aws-region: eu-west-1\n"),
    Case("vault-jwt", WORKFLOW, BASE,
         BASE + "      - uses: hashicorp/vault-action@v3\n        with:\n"
                "          method: jwt\n          role: deploy\n"),
    Case("trusted-publishing", WORKFLOW,
         BASE + "      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n"
                "          password: ${{ secrets.PYPI_API_TOKEN }}\n",
         BASE + "      - uses: pypa/gh-action-pypi-publish@release/v1\n"),
    Case("id-token-write", WORKFLOW, BASE,
         BASE.replace("jobs:\n", "permissions:\n  id-token: write\njobs:\n")),
    Case("gitlab-id-tokens", ".gitlab-ci.yml",
         "deploy:\n  script: ./deploy.sh\n",
         "deploy:\n  id_tokens:\n    VAULT_ID_TOKEN:\n      aud: https://vault.example.com\n"
         "  script: ./deploy.sh\n"),
    Case("gitlab-job-token", ".gitlab-ci.yml",
         "pages:\n  script: ./build.sh\n",
         "pages:\n  script:\n    - curl --header \"JOB-TOKEN: $CI_JOB_TOKEN\" \"$API/packages\"\n"),
    Case("secrets-gated-to-upstream", ".github/workflows/artifacts.yml",
         "jobs:\n  push:\n    steps:\n      - name: Login\n        if: inputs.publish\n"
         "        uses: docker/login-action@v3\n",
         "jobs:\n  push:\n    steps:\n      - name: Login\n"
         "        if: inputs.publish && github.repository == 'acme/app'\n"
         "        uses: docker/login-action@v3\n"),
    Case("publish-trigger", ".github/workflows/pypi-package.yml",
         "on:\n  push:\n    branches: [master, main]\njobs:\n  build:\n"
         "    runs-on: ubuntu-latest\n",
         "on:\n  push:\n    branches: [master]\njobs:\n  build:\n    runs-on: ubuntu-latest\n"),
]


@pytest.mark.parametrize("case", CHANGES, ids=[c.id for c in CHANGES])
def test_a_ci_identity_change_routes_high_with_the_iam_review(repo: Repo, case: Case) -> None:
    verdict = judge(repo, case)
    assert verdict.tier is Tier.HIGH, verdict.reasons
    assert "iam" in verdict.required_reviews
    assert any(r.startswith(("identity.ci.", "identity.content.ci-permissions"))
               for r in rule_ids(verdict))
    assert [i.item for i in verdict.checklist if i.topic == "ci"] == CI_ITEMS
    assert all(i.locations and i.locations[0].startswith(case.path)
               for i in verdict.checklist if i.topic == "ci")
    assert not verdict.blocked, verdict.reasons
    assert leaks(verdict) == []


def test_secrets_inherit_is_an_identity_change_not_a_leak(repo: Repo) -> None:
    verdict = judge(repo, CHANGES[0])
    assert leaks(verdict) == []
    assert "identity.ci.credentials" in rule_ids(verdict)


# Workflow changes that touch no credential and no trust condition.
QUIET = [
    Case("action-bump", ".github/workflows/ci.yml",
         "jobs:\n  test:\n    steps:\n      - uses: actions/setup-python@v4\n",
         "jobs:\n  test:\n    steps:\n      - uses: actions/setup-python@v5\n"),
    Case("matrix", ".github/workflows/ci.yml",
         "jobs:\n  test:\n    strategy:\n      matrix:\n        python: ['3.9']\n",
         "jobs:\n  test:\n    strategy:\n      matrix:\n        python: ['3.9', '3.13']\n"),
    Case("test-branches", ".github/workflows/tests.yml",
         "on:\n  push:\n    branches: [main]\n",
         "on:\n  push:\n    branches: [main, next]\n"),
]


@pytest.mark.parametrize("case", QUIET, ids=[c.id for c in QUIET])
def test_a_workflow_change_without_credentials_stays_below_high(repo: Repo,
                                                               case: Case) -> None:
    verdict = judge(repo, case)
    assert verdict.tier < Tier.HIGH, verdict.reasons
    assert not [i for i in verdict.checklist if i.topic == "ci"]


def test_the_checklist_names_the_workflow_line_end_to_end(repo: Repo) -> None:
    repo.write(WORKFLOW, BASE)
    repo.add()
    repo.commit("base")
    repo.write(WORKFLOW, BASE + "      - uses: google-github-actions/auth@v2\n        with:\n"
                                "          workload_identity_provider: projects/1/x\n")
    repo.add(WORKFLOW)
    proc = repo.authgate("check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout.splitlines()
    assert "authgate: ok: identity impact high; requires review: code-owner, iam, security;" \
        in proc.stdout
    assert f"    [ ] ci: least privilege ({WORKFLOW}:10)" in out


def test_a_coverage_upload_token_is_not_routed(repo: Repo) -> None:
    verdict = judge(repo, Case(
        "codecov", ".github/workflows/ci.yml",
        "jobs:\n  test:\n    steps:\n      - uses: codecov/codecov-action@v3\n",
        "jobs:\n  test:\n    steps:\n      - uses: codecov/codecov-action@v4\n        with:\n"
        "          token: ${{ secrets.CODECOV_TOKEN }}\n"))
    assert verdict.tier < Tier.HIGH, verdict.reasons
