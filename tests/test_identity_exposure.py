"""Field exposure (issue 12): a credential that reaches a log, a command's output, a
trace span, an error or a response is critical and blocks in non-test code when the
value is certainly one (a name that ends in a credential word); an uncertain case
(a serializer field, a connection URL, personal data in a log) annotates at high; a
change that stops exposing one (redaction added, a token no longer printed) is a
high-tier improvement routed to review. Real git, one case per language."""

from __future__ import annotations

import json

import pytest

from testing import Repo
from testing.staged import Action, Case, Tier, found, judge, rule_ids, topics

EXPOSED = "responses, logs, traces and errors carry no credential"

# Adding an exposure of a value that is certainly a credential: blocks.
ADDED = [
    (Case("python-cli", "app/management/commands/create_app.py",
          "def handle(self, app):\n    self.stdout.write('created')\n",
          "def handle(self, app):\n    self.stdout.write('created')\n"
          "    self.stdout.write(f'token: {app.auth_token}')\n"),
     "identity.exposure.cli-output", 3),
    (Case("typescript-trace", "src/api/handler.ts",
          "export function handle(span, req) {\n  span.setAttribute('route', req.path)\n}\n",
          "export function handle(span, req) {\n  span.setAttribute('route', req.path)\n"
          "  span.setAttribute('auth', req.accessToken)\n}\n"),
     "identity.exposure.trace-attribute", 3),
    (Case("go-trace", "internal/api/handler.go",
          "package api\n\nfunc handle() {\n}\n",
          "package api\n\nfunc handle() {\n"
          "\tspan.SetAttributes(attribute.String(\"key\", client.APIKey))\n}\n"),
     "identity.exposure.trace-attribute", 4),
    (Case("ruby-cli", "lib/tasks/clients.rake",
          "task :create do\nend\n",
          "task :create do\n  STDOUT.puts client.client_secret\nend\n"),
     "identity.exposure.cli-output", 2),
    (Case("java-response", "src/main/java/com/acme/UserController.java",
          "class UserController {\n}\n",
          "class UserController {\n"
          "    Map<String, Object> show(User u) { return Map.of(\"id\", u.id);}\n"
          "    ResponseEntity<?> raw(User u) { return ResponseEntity.ok(u.passwordHash); }\n"
          "}\n"),
     "identity.exposure.password-hash-in-response", 3),
]


@pytest.mark.parametrize(("case", "rule", "line"), ADDED, ids=[c.id for c, _, _ in ADDED])
def test_adding_a_credential_exposure_blocks_in_code(repo: Repo, case: Case, rule: str,
                                                     line: int) -> None:
    verdict = judge(repo, case)
    f = found(verdict, rule)
    assert (f.path, f.line, f.tier, f.action) == (case.path, line, Tier.CRITICAL, Action.BLOCK)
    assert verdict.blocked and verdict.tier is Tier.CRITICAL
    assert EXPOSED in {i.item for i in verdict.checklist}


# The same calls with values that are not credentials, or in a test: no block.
NOT_CERTAIN = [
    Case("python-token-type", "app/views.py", "",
         "def view(span, token_type):\n    span.set_attribute('auth.token_type', token_type)\n"),
    Case("python-reset-url", "app/cli.py", "",
         "import click\n\n\ndef send(password_reset_url):\n"
         "    click.echo(f'sent {password_reset_url}')\n"),
    Case("typescript-redacted", "src/log.ts", "",
         "export function t(span, token) {\n  span.setAttribute('auth', redact(token))\n}\n"),
    Case("go-test", "internal/api/handler_test.go", "",
         "package api\n\nfunc TestX(t *testing.T) {\n"
         "\tspan.SetAttributes(attribute.String(\"key\", client.APIKey))\n}\n"),
    Case("ruby-comparison", "app/controllers/users_controller.rb", "",
         "def show\n  render json: { id: @user.id, set: @user.password_digest.present? }\nend\n"),
]


@pytest.mark.parametrize("case", NOT_CERTAIN, ids=[c.id for c in NOT_CERTAIN])
def test_a_value_that_is_not_certainly_a_credential_does_not_block(repo: Repo,
                                                                   case: Case) -> None:
    verdict = judge(repo, case)
    assert not verdict.blocked, verdict.reasons
    assert not [r for r in rule_ids(verdict) if r.startswith("identity.exposure.")
                and r != "identity.exposure.redaction"]


# Uncertain exposures: high, annotated, with the exposure checklist.
UNCERTAIN = [
    (Case("python-serializer", "app/serializers.py",
          "class UserSerializer(ModelSerializer):\n    class Meta:\n"
          "        fields = ['id', 'email']\n",
          "class UserSerializer(ModelSerializer):\n    class Meta:\n"
          "        fields = ['id', 'email', 'password']\n"),
     "identity.exposure.serialized-field", 3),
    (Case("go-struct-tag", "internal/model/user.go", "package model\n\ntype User struct {\n}\n",
          "package model\n\ntype User struct {\n"
          "\tPasswordHash string `json:\"password_hash\"`\n}\n"),
     "identity.exposure.serialized-field", 4),
    (Case("python-dsn", "app/db.py", "",
          "def connect(database_url):\n    logger.info('connecting to %s', database_url)\n"),
     "identity.exposure.url-logged", 2),
    (Case("go-pii", "server/handlers.go", "package server\n",
          "package server\n\nfunc done() {\n\ts.logger.InfoContext(ctx, \"login successful\",\n"
          "\t\t\"email\", claims.Email, \"groups\", claims.Groups)\n}\n"),
     "identity.exposure.identity-logged", 5),
]


@pytest.mark.parametrize(("case", "rule", "line"), UNCERTAIN,
                         ids=[c.id for c, _, _ in UNCERTAIN])
def test_an_uncertain_exposure_annotates_at_high(repo: Repo, case: Case, rule: str,
                                                 line: int) -> None:
    verdict = judge(repo, case)
    f = found(verdict, rule)
    assert (f.line, f.tier, f.action) == (line, Tier.HIGH, Action.ANNOTATE)
    assert not verdict.blocked and verdict.tier is Tier.HIGH
    assert "exposure" in topics(verdict)


# Removing an exposure or adding redaction: a high-tier improvement, said so.
REMOVED = [
    Case("python-stops-printing", "app/management/commands/create_app.py",
         "def handle(self, app):\n    print('token:', app.auth_token)\n    return app\n",
         "def handle(self, app):\n    print('created app', app.id)\n    return app\n"),
    Case("javascript-redacted", "src/login.js",
         "export function login(user, password) {\n  console.log('login', user, password)\n}\n",
         "export function login(user, password) {\n"
         "  console.log('login', user, redact(password))\n}\n"),
    Case("go-url-redacted", "internal/fetch/fetch.go",
         "package fetch\n\nfunc get() {\n\tlog.Printf(\"GET %s token=%s\", u, token)\n}\n",
         "package fetch\n\nfunc get() {\n\tlog.Printf(\"GET %s\", u.Redacted())\n}\n"),
    Case("ruby-stops-logging", "app/jobs/sync_job.rb",
         "def perform\n  Rails.logger.info(\"sync #{api_key}\")\n  run\nend\n",
         "def perform\n  Rails.logger.info(\"sync\")\n  run\nend\n"),
    Case("java-stops-printing", "src/main/java/com/acme/Boot.java",
         "class Boot {\n  void run() {\n    System.out.println(password);\n  }\n}\n",
         "class Boot {\n  void run() {\n    System.out.println(\"started\");\n  }\n}\n"),
]


@pytest.mark.parametrize("case", REMOVED, ids=[c.id for c in REMOVED])
def test_removing_an_exposure_is_a_high_improvement_routed_to_review(repo: Repo,
                                                                    case: Case) -> None:
    verdict = judge(repo, case)
    f = found(verdict, "identity.exposure.removed")
    assert (f.tier, f.action) == (Tier.HIGH, Action.ANNOTATE)
    assert "exposure removed, an improvement" in f.message
    assert not verdict.blocked and verdict.tier is Tier.HIGH
    assert "security" in verdict.required_reviews
    assert EXPOSED in {i.item for i in verdict.checklist}


def test_a_log_line_that_only_moved_is_no_removal(repo: Repo) -> None:
    verdict = judge(repo, Case(
        "moved", "app/jobs/sync_job.rb",
        "def perform\n  Rails.logger.info(\"sync #{api_key}\")\n  run\nend\n",
        "def perform\n  run\n  Rails.logger.info(\"sync #{api_key}\")\nend\n"))
    assert "identity.exposure.removed" not in rule_ids(verdict)


@pytest.mark.parametrize("case", [
    Case("dex-style-log-field-exclusion", "cmd/server/logger.go", "package main\n",
         "package main\n\ntype Logger struct {\n"
         "\tExcludeFields []string `json:\"excludeFields\"`\n}\n"),
    Case("sanitiser", "src/utils/audit.ts", "",
         "export const sensitiveDataMask = '[redacted]'\n"
         "export const isSensitiveDataKey = (k: string) => k === 'password'\n"),
], ids=["go", "typescript"])
def test_redaction_code_in_a_generic_file_is_routed_high(repo: Repo, case: Case) -> None:
    verdict = judge(repo, case)
    f = found(verdict, "identity.exposure.redaction")
    assert (f.tier, f.action) == (Tier.HIGH, Action.ANNOTATE)
    assert "carry no credential" in f.message
    assert not verdict.blocked


def test_the_blocked_exposure_shows_its_checklist_end_to_end(repo: Repo) -> None:
    repo.write("app/cli.py", "import click\n")
    repo.add()
    repo.commit("base")
    repo.write("app/cli.py", "import click\n\n\ndef show(client):\n"
                             "    click.echo(client.client_secret)\n")
    repo.add("app/cli.py")
    proc = repo.authgate("check")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("app/cli.py:5: identity.exposure.cli-output: credential client.client_secret "
            "written to the command's output at line 5") in proc.stdout
    assert f"    [ ] exposure: {EXPOSED} (app/cli.py:5)" in proc.stdout.splitlines()
    doc = json.loads(repo.authgate("check", "--format", "json").stdout)
    (subject,) = doc["subjects"]
    assert {"item": EXPOSED, "topic": "exposure", "locations": ["app/cli.py:5"]} in \
        subject["checklist"]
