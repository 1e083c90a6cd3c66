"""Every leak rule, positive and negative, and how context grades what it finds.

Checks are pure functions over a ChangeSet, so these build changes in memory; the
real-git and real-hook paths are in test_leaks_outputs.py and test_secrets_parity.py.
"""

from __future__ import annotations

import json

import pytest

from authgate import config as config_mod
from authgate import rules as rules_mod
from authgate.changes import ChangeSet, FileChange, Hunk, Line, Status
from authgate.checks import run_all
from authgate.config import ConfigError
from authgate.findings import Finding
from authgate.policy import decide

from testing.leaks import check


def active(findings: list[Finding]) -> list[tuple[str, int | None, str, str]]:
    return sorted((f.path or "", f.line, f.rule_id, str(f.action)) for f in findings
                  if f.suppressed is None)


def ids(findings: list[Finding]) -> set[str]:
    return {f.rule_id for f in findings if f.suppressed is None}


def parse(table: dict) -> config_mod.Config:
    return config_mod.parse(table, "test.toml")


# --- secrets: one sample per detect-secrets plugin -------------------------------------

_B64_88 = ("Zq8r1Xk2Vb7nM3pL9qT2wR5yU8iO0aS4dF6gH1jK3lZ5xC7vB9nM2qW4eR6tY8uI0oP1aS3dF5gH7jK9lZ2"
           "xC4vB6==")
_HEX64 = "9f86d081884c7d659a2feaa0c55ad015" + "a3bf4f1b2b0b822cd15d6c15b0f00a08"
_AZ = "abcdefghijklmnopqrstuvwxyz0123456789"
SECRET_SAMPLES = {
    "leak.secret.aws-key": ("app.py", 'KEY = "AKIA' + 'Q7NR2KX5TLWM8ZPC"'),
    "leak.secret.artifactory": ("app.py", 'TOKEN = "AKC' + 'p2Lm9Vt4Nw7YzXqR"'),
    "leak.secret.azure-storage-key": (
        "app.py", 'CONN = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey='
        + _B64_88 + '"'),
    # The entropy plugins block where the name says the value is a secret (an unnamed
    # random string annotates: test_unnamed_random_strings_annotate).
    "leak.secret.base64-high-entropy-string": (
        "app.py", 'API_TOKEN = "Zm9vYmFyYmF6cXV4MTIz' + 'NDU2Nzg5MGFiY2RlZmdo"'),
    # A password for a real host (for localhost or a documentation host it annotates).
    "leak.secret.basic-auth": (
        "app.py", 'URL = "https://deploy:Vq7Lr2' + 'Nz8Kp4@git.acme.io/r"'),
    "leak.secret.cloudant": ("app.py", 'cloudant_password = "' + _HEX64 + '"'),
    "leak.secret.discord-bot-token": (
        "app.py", 'BOT = "MTE0Njk0NTY3ODkwMTIz' + 'NDU2Nzg5.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz0"'),
    "leak.secret.github-token": ("app.py", 'GH = "ghp_' + 'lpErf87038J1ta6sKT4t2WGmABMsBCkotq0Z"'),
    "leak.secret.gitlab-token": ("app.py", 'GL = "glpat-' + 'cfcDOrHIPESvjRmeA6mO"'),
    "leak.secret.hex-high-entropy-string": (
        "app.py", 'TOKEN = "1f3e5d7c9b0a2e4d' + '6c8b0a1f3e5d7c9b"'),
    "leak.secret.ibm-cloud-iam": (
        "app.py", 'ibm_cloud_iam_key = "Aq7Lr2Nz8Kp4Tw6Yx3' + 'Mb9Vc5Zs1Qd0Fg2Hj4Kl6Pn8Rt"'),
    "leak.secret.ibm-cos-hmac": (
        "app.py", 'secret_access_key = "' + _HEX64[:48] + '"'),
    "leak.secret.jwt-token": (
        "app.py", 'T = "eyJhbGciOiJIUzI1NiJ9.' + 'eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"'),
    "leak.secret.keyword": ("app.py", 'password = "Vb6Nm3' + 'Qw9Er2Ty5U"'),
    "leak.secret.mailchimp": ("app.py", 'MC = "' + _HEX64[:32] + '-us14"'),
    "leak.secret.npm": (
        ".npmrc", "//registry.npmjs.org/:_authToken=npm_" + "73GYCNNCzjqXMxQviBfMjRZNls58xmKYwRN4"),
    "leak.secret.openai": (
        "app.py", 'OAI = "sk-' + 'Aq7Lr2Nz8Kp4Tw6Yx3Mb' + "T3BlbkFJ" + 'Vc5Zs1Qd0Fg2Hj4Kl6Pn"'),
    # A key with its body (a header alone is no key: test_pem_header_without_a_body).
    "leak.secret.private-key": ("app.py", 'PEM = "-----BEGIN RSA PRIVATE' + ' KEY-----\\n'
                                + 'MIIEpAIBAAKCAQEAq7Lr2Nz8Kp4Tw6Yx3Mb9Vc5Zs1Qd0Fg2Hj4Kl6Pn8Rt"'),
    "leak.secret.pypi-token": (
        "app.py", 'PYPI = "pypi-AgEIcHlwaS5vcmc' + "ljZwQVPwMcclTmux_jow9CMZE-CNVDP5ZZOK40b"
        + 'Gx6UZXdti6SNlH9C9itEiMqguYHcFumAe"'),
    "leak.secret.sendgrid": (
        "app.py", 'SG = "SG.' + "Aq7Lr2Nz8Kp4Tw6Yx3Mb9V."
        + 'c5Zs1Qd0Fg2Hj4Kl6Pn8RtAq7Lr2Nz8Kp4Tw6Yx3Mb9"'),
    "leak.secret.slack": ("app.py", 'SLACK = "xoxb-' + '1234567890-0987654321-AbCdEfGhIjKl"'),
    "leak.secret.softlayer": ("app.py", 'softlayer_api_key = "' + _HEX64 + '"'),
    "leak.secret.square-oauth": (
        "app.py", 'SQ = "sq0csp-' + 'Aq7Lr2Nz8Kp4Tw6Yx3Mb9Vc5Zs1Qd0Fg2Hj4Kl6Pn8R"'),
    "leak.secret.stripe": ("app.py", 'STRIPE = "sk_live_' + 'ptgUzEjfebzJ6sZWdoHIxrXl"'),
    "leak.secret.telegram-bot-token": (
        "app.py", 'TG = "110201543:' + 'AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"'),
    "leak.secret.twilio-key": ("app.py", 'TW = "AC' + _HEX64[:32] + '"'),
}


@pytest.mark.parametrize("rule_id", sorted(SECRET_SAMPLES))
def test_each_secret_plugin_is_reported_and_honours_its_pragma(rule_id: str) -> None:
    path, line = SECRET_SAMPLES[rule_id]
    found = check({path: line + "\n"})
    assert rule_id in ids(found)
    hit = next(f for f in found if f.rule_id == rule_id)
    assert (hit.path, hit.line, str(hit.action), hit.context) == (path, 1, "block", "code" if
                                                                  path == "app.py" else "config")
    assert hit.message.endswith(")") and "detect-secrets:" in hit.message
    # Negative: the same line allowlisted the detect-secrets way.
    assert not {i for i in ids(check({path: line + "  # pragma: allowlist secret\n"}))
                if i.startswith("leak.secret.")}


def test_every_secret_rule_of_the_catalog_has_a_sample() -> None:
    catalog = {r.id for r in rules_mod.load(config_mod.Config(), ["leak"])
               if r.id.startswith("leak.secret.")}
    assert catalog - set(SECRET_SAMPLES) == {"leak.secret.ip-public"}


def test_public_ip_plugin_reports_when_a_baseline_lifts_the_default_filter() -> None:
    doc = {"version": "1.5.0", "plugins_used": [{"name": "IPPublicDetector"}],
           "filters_used": [{"path": "detect_secrets.filters.heuristic.is_sequential_string"}],
           "results": {}}
    files = {"app.py": 'DNS = "8.8.4.4"\n', ".secrets.baseline": json.dumps(doc)}
    # An address is not a credential: reported, never blocking.
    assert active(check(files)) == [("app.py", 1, "leak.secret.ip-public", "annotate")]
    # Under default settings an address has no letter and never passes.
    assert "leak.secret.ip-public" not in ids(check({"app.py": 'DNS = "8.8.4.4"\n'}))


def test_nextline_pragma_needs_the_line_above_from_the_diff() -> None:
    above = "# pragma: allowlist nextline secret"
    secret = 'TOKEN = "1f3e5d7c9b0a2e4d' + '6c8b0a1f3e5d7c9b"'
    # The pragma is an unchanged context line; only the secret is added.
    fc = FileChange(path="app.py", status=Status.MODIFIED, hunks=(Hunk(9, 9, (
        Line(" ", "x = 1", 9, 9), Line(" ", above, 10, 10), Line("+", secret, None, 11),
        Line(" ", "y = 2", 11, 12))),))
    cfg = config_mod.Config()
    got = run_all(ChangeSet(files=(fc,), source="index"), rules_mod.load(cfg, ["leak"]), cfg,
                  ["leak"])
    # Waved through by the pragma, and counted as a suppression like any other.
    assert active(got) == []
    assert [(f.line, f.suppressed) for f in got] == [(11, "pragma: allowlist secret")]
    # Without it (a removed line in between does not count as the line above).
    fc = FileChange(path="app.py", status=Status.MODIFIED, hunks=(Hunk(9, 9, (
        Line(" ", above, 9, 9), Line("-", "old = 1", 10, None), Line("+", "z = 3", None, 10),
        Line("+", secret, None, 11))),))
    got = run_all(ChangeSet(files=(fc,), source="index"), rules_mod.load(cfg, ["leak"]), cfg,
                  ["leak"])
    assert active(got) == [("app.py", 11, "leak.secret.hex-high-entropy-string", "block")]


# --- placeholders ------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["password", "changeme", "test", "secret123", "P@ssw0rd",
                                   "aaaaaaaa", "<your-password>", "${DB_PASSWORD}x",
                                   "dummy-secret", "postgres", "not-a-real-secret", "xxxxxxxx"])
def test_placeholder_passwords_in_tests_fixtures_and_docs_are_not_leaks(value: str) -> None:
    line = f'password = "{value}"\n'
    for path in ("tests/test_login.py", "tests/fixtures/seed.py", "docs/guide.md"):
        assert not ids(check({path: line})), (path, value)


def test_placeholders_in_code_and_real_secrets_in_tests_are_reported() -> None:
    # Reported, not blocked: a placeholder in code, a credential-looking value in a test.
    got = check({"app/settings.py": 'password = "changeme"\n'})
    assert active(got) == [("app/settings.py", 1, "leak.secret.keyword", "annotate")]
    assert got[0].message.endswith("; a placeholder value)")
    real = 'password = "Vb6Nm3' + 'Qw9Er2Ty5U"\n'
    got = check({"tests/test_login.py": real})
    assert active(got) == [("tests/test_login.py", 1, "leak.secret.keyword", "annotate")]
    assert got[0].context == "test"
    # The same value in code blocks.
    got = check({"app/settings.py": real})
    assert active(got) == [("app/settings.py", 1, "leak.secret.keyword", "block")]


# --- endpoints -----------------------------------------------------------------------------

ENDPOINTS: dict[str, tuple[list[str], list[str]]] = {
    # rule: (lines that must be reported, lines that must not), as Python string literals
    "leak.endpoint.cloud-metadata": (
        ['URL = "http://169.254.169.254/latest/meta-data/"', 'H = "metadata.google.internal"',
         'V6 = "[fd00:ec2::254]"', 'ALI = "http://100.100.100.200/latest"',
         'ECS = "http://169.254.170.2/v2/credentials"'],
        ['V = "1.169.254.169.2540"', 'N = "metadata.google.internal.example"']),
    "leak.endpoint.webhook": (
        ['D = "https://discord.com/api/webhooks/914937424692590507/vUULm4A2Aohhhvtf-FPepL0"',
         'T = "https://acme.webhook.office.com/webhookb2/3f2a9c1e-7b4d@5e8d2c71/IncomingWebhook/9c4e7a2b5d8f41e6/b71e3c9a"',
         'O = "https://outlook.office.com/webhook/3f2a9c1e-7b4d-4e8a/IncomingWebhook/9c4e7a2b"'],
        ['D = "https://discord.com/api/webhooks/000000000000000000/XXXXXXXXXXXXXXXX"',
         'S = "https://hooks.slack.com/services/..."', 'P = "https://discord.com/developers/docs"']),
    "leak.endpoint.presigned-url": (
        ['U = "https://storage.googleapis.com/b/o.csv?X-Goog-Algorithm=GOOG4&X-Goog-Signature=7c2e9a4f1b6d3e8a5c0f"',
         'S = "https://acme.blob.core.windows.net/c/f.pdf?sv=2022-11-02&se=2026-01-02&sig=Zq8r1Xk2Vb7nM3pL%2B9qT"'],
        ['U = "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=<signature>"',
         'U = "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=..."',
         'U = "https://example.com/search?q=sig"']),
    "leak.endpoint.connection-string": (
        ['U = "postgres://app@db-prod-3.corp:5432/users"',
         'U = "mongodb+srv://cluster0.x7k2p.mongodb.net/app"',
         'U = "redis://cache.acme.io:6379/0"', 'U = "amqps://mq.acme.io/vhost"',
         'U = "jdbc:mysql://10.0.4.5:3306/orders"',
         'U = "jdbc:oracle:thin:@//ora1.acme.io:1521/ORCL"',
         'U = "jdbc:sqlserver://sql1.acme.io:1433;databaseName=x;password=Mz4Qx8Rt2Lw6Pn"',
         'C = "Data Source=sql1.acme.io,1433;Initial Catalog=orders;Integrated Security=SSPI;"',
         'U = "mongodb://mongo1.acme.io:27017,mongo2.acme.io:27017/app?replicaSet=rs0"'],
        ['U = "postgres://postgres:postgres@localhost:5432/test"',
         'U = "postgresql://user:password@host:5432/db"', 'U = "redis://redis:6379"',
         'U = "mysql://root@127.0.0.1/app"', 'U = "postgres://app@db.example.com/app"',
         'U = "mongodb://${MONGO_HOST}:27017/app"', 'U = "amqp://guest:guest@rabbitmq.test/"',
         'C = "Server=(localdb)\\\\MSSQLLocalDB;Database=x;Trusted_Connection=True;"',
         'C = "server=web01.acme.io;"']),
    "leak.endpoint.aws-arn": (
        ['R = "arn:aws:iam::381492650173:role/deploy"',
         'Q = "arn:aws-us-gov:sqs:us-gov-west-1:381492650173:jobs"'],
        ['R = "arn:aws:iam::123456789012:role/deploy"', 'R = "arn:aws:iam::111122223333:user/x"',
         'B = "arn:aws:s3:::my-bucket/key"']),
    "leak.endpoint.private-ipv4": (
        ['IP = "10.0.0.5"', 'IP = "172.16.0.1"', 'IP = "172.31.255.254"', 'IP = "192.168.1.1"',
         'U = "http://192.168.0.10:8080/api"', 'H = "10.20.0.7/32"'],
        # A range names no machine (allow lists, firewall rules).
        ['NET = "10.20.0.0/16"', 'IP = "172.32.0.1"', 'IP = "11.0.0.1"', 'IP = "192.0.2.1"',
         'IP = "198.51.100.7"', 'IP = "203.0.113.9"', 'V = "10.0.0"',
         'OID = "1.3.6.1.10.0.0.1"', 'IP = "127.0.0.1"', 'IP = "0.0.0.0"', 'V = "v10.1.2.3"']),
    "leak.endpoint.link-local": (
        ['IP = "169.254.10.10"', 'IF = "fe80::1ff:fe23:4567:890a"', 'IF = "fe80::1%eth0"'],
        ['IP = "169.25.10.10"', 'IF = "fec0::1"', 'C = "#fe8012"']),
    "leak.endpoint.unique-local-ipv6": (
        ['IP = "fd12:3456:789a::17"', 'IP = "fc00::1"', 'U = "http://[fd00:1:2::3]:8080/"'],
        ['IP = "2001:db8::1"', 'C = "#fdab12"', 'IP = "::1"', 'H = "fdab:zz"']),
    "leak.endpoint.internal-host": (
        ['H = "db.corp"', 'H = "vault.internal"', 'H = "nas.lan"', 'H = "printer.local"',
         'H = "wiki.intranet"', 'H = "router.home.arpa"', 'U = "https://grafana.acmecorp.net/d/x"'],
        ['s = threading.local()', 'x = pkg.internal', 'H = "api.example.com"', 'H = "db.test"',
         'F = "settings.local.py"', 'import com.acme.internal.Foo', 'H = "localhost"',
         'H = "notacmecorp.net"']),
    "leak.endpoint.production-host": (
        ['U = "https://api.acme.com/v1/users"', 'H = "acme.com"'],
        ['U = "https://api.acme.community/v1"', 'U = "https://notacme.com/"',
         'U = "https://acme.com.example/"']),
}
_DOMAINS = config_mod.Config(internal_domains=("acmecorp.net",), production_domains=("acme.com",))


@pytest.mark.parametrize("rule_id", sorted(ENDPOINTS))
def test_each_endpoint_rule_positive_and_negative(rule_id: str) -> None:
    positives, negatives = ENDPOINTS[rule_id]
    for line in positives:
        found = [f for f in check({"app/client.py": line + "\n"}, _DOMAINS)
                 if f.rule_id.startswith("leak.endpoint.")]
        assert [f.rule_id for f in found] == [rule_id], line
        assert found[0].value_hash is not None and found[0].line == 1
    for line in negatives:
        found = [f.rule_id for f in check({"app/client.py": line + "\n"}, _DOMAINS)
                 if f.rule_id.startswith("leak.endpoint.")]
        assert rule_id not in found, line


def test_every_endpoint_rule_of_the_catalog_is_exercised() -> None:
    catalog = {r.id for r in rules_mod.load(config_mod.Config(), ["leak"])
               if r.id.startswith("leak.endpoint.")}
    assert catalog == set(ENDPOINTS)


def test_authgate_config_naming_the_domains_is_not_a_leak() -> None:
    toml = ('[tool.authgate]\ninternal_domains = ["acmecorp.net", "corp"]\n'
            'production_domains = ["acme.com"]\nnote = "db.acmecorp.net"\n')
    found = check({"pyproject.toml": toml}, _DOMAINS)
    assert active(found) == [("pyproject.toml", 4, "leak.endpoint.internal-host", "annotate")]


def test_production_host_rule_is_idle_without_configured_domains() -> None:
    assert not ids(check({"app/client.py": 'U = "https://api.acme.com/v1"\n'}))


def test_config_domains_accept_wildcards_and_case() -> None:
    cfg = config_mod.Config(internal_domains=("*.Corp.Acme.NET",))
    found = check({"app/client.py": 'H = "build.corp.acme.net"\n'}, cfg)
    assert ids(found) == {"leak.endpoint.internal-host"}


@pytest.mark.parametrize(("path", "line", "context", "action"), [
    ("app/client.py", 'H = "db-prod-3.corp"', "code", "annotate"),
    ("app/client.py", "# primary is db-prod-3.corp", "comment", "block"),
    ("app/client.py", 'H = "x"  # was db-prod-3.corp', "comment", "block"),
    ("app/client.js", "// primary is db-prod-3.corp", "comment", "block"),
    ("app/client.js", 'const h = "a//b"; // see db-prod-3.corp', "comment", "block"),
    ("tests/test_client.py", 'H = "db-prod-3.corp"', "test", "annotate"),
    ("tests/test_client.py", "# copied from db-prod-3.corp", "test", "annotate"),
    ("tests/test_client.py", "x = 1  # db-prod-3.corp", "test", "annotate"),
    ("spec/client_spec.rb", 'H = "db-prod-3.corp"', "test", "annotate"),
    ("tests/fixtures/hosts.json", '{"h": "db-prod-3.corp"}', "fixture", "annotate"),
    ("docs/deploy.md", "Deploy to db-prod-3.corp.", "docs", "block"),
    ("README.rst", "Deploy to db-prod-3.corp.", "docs", "block"),
    ("deploy/values.yaml", "host: db-prod-3.corp", "config", "annotate"),
    ("deploy/values.yaml", "host: x  # db-prod-3.corp", "comment", "block"),
    ("Dockerfile", "ENV HOST=db-prod-3.corp", "config", "annotate"),
])
def test_context_grades_endpoints(path: str, line: str, context: str, action: str) -> None:
    found = [f for f in check({path: line + "\n"}) if f.rule_id == "leak.endpoint.internal-host"]
    assert [(f.context, str(f.action)) for f in found] == [(context, action)]
    assert found[0].message == "internal host name db-prod-3.corp" + {
        "code": "", "comment": " in a comment", "test": " in a test", "fixture": " in a fixture",
        "docs": " in documentation", "config": " in configuration"}[context]


def test_docstrings_and_block_comments_are_comments() -> None:
    py = '"""Module.\n\nTalks to db-prod-3.corp.\n"""\nX = """\ndb-prod-3.corp\n"""\n'
    found = [(f.line, f.context) for f in check({"app/m.py": py})]
    # In the docstring: a comment; in a string value: code (and outside quotes on its
    # own line, so not a host literal there).
    assert found == [(3, "comment")]
    js = "/*\n * primary: 10.1.2.3\n */\nconst ip = '10.1.2.4';\n"
    found = sorted((f.line, f.context, str(f.action)) for f in check({"app/m.js": js}))
    assert found == [(2, "comment", "annotate"), (4, "code", "annotate")]


def test_connection_string_with_a_password_blocks_even_in_code() -> None:
    line = ('DSN = "Server=sql01.acme.io;Database=orders;User Id=app;Password=Mz4Qx8Rt'
            + '2Lw6Pn;"\n')
    found = check({"src/Store.cs": line})
    assert active(found) == [("src/Store.cs", 1, "leak.endpoint.connection-string", "block")]
    assert found[0].message == "connection string sql01.acme.io (with a password)"
    assert "Mz4Qx8Rt2Lw6Pn" not in found[0].evidence
    # Without the password: a connection string in code is annotated.
    found = check({"src/Store.cs": line.replace("Password=Mz4Qx8Rt2Lw6Pn;", "")})
    assert active(found) == [("src/Store.cs", 1, "leak.endpoint.connection-string", "annotate")]


def test_a_line_of_thousands_of_endpoints_reports_a_few_in_linear_time() -> None:
    bundle = " ".join(f"10.0.{i // 250}.{i % 250}" for i in range(20000))
    # Such a line is minified content, read for provider secrets only by default
    # (test_content_kinds.py); judged as source here, as a project may choose.
    cfg = config_mod.Config(content={"source": ("static/",)})
    found = check({"static/app.js": bundle + "\n"}, cfg)
    assert len(found) == 20 and {f.rule_id for f in found} == {"leak.endpoint.private-ipv4"}
    chain = "x=window.localStorage;" + "a.b(" * 20000
    assert check({"static/app.js": chain + "\n"}) == []


def test_overlapping_endpoints_report_once_the_most_specific() -> None:
    found = check({"app/db.py": 'U = "postgres://app@10.0.0.7:5432/x"  # db.corp\n'})
    assert active(found) == [("app/db.py", 1, "leak.endpoint.connection-string", "annotate"),
                             ("app/db.py", 1, "leak.endpoint.internal-host", "block")]
    found = check({"app/m.py": 'M = "http://169.254.169.254/"\n'})
    assert ids(found) == {"leak.endpoint.cloud-metadata"}  # not also link-local


def test_slack_webhook_is_one_finding_not_two() -> None:
    hook = "https://hooks.slack.com/services/T2RLW1U9M/BUGDORPHVLS/" + "DbcwSf599sVR9ubusu9jXPA3"
    found = check({"app/n.py": f'HOOK = "{hook}"\n'})
    assert active(found) == [("app/n.py", 1, "leak.secret.slack", "block")]
    # In a Markdown file detect-secrets sees it too; Discord only authgate knows.
    found = check({"docs/n.md": f"hook: {hook}\n"})
    assert ids(found) == {"leak.secret.slack"}


def test_user_endpoint_rule_from_config() -> None:
    cfg = parse({"rules": {"custom": [{
        "id": "leak.endpoint.staging-host", "title": "Staging host", "severity": "low",
        "regex": r"\bstaging\.acme\.io\b", "keywords": ["staging."],
        "message": "staging host", "params": {"actions": {"code": "warn", "comment": "block"}},
    }]}})
    found = check({"app/x.py": 'H = "staging.acme.io"  # staging.acme.io\n'}, cfg)
    assert active(found) == [("app/x.py", 1, "leak.endpoint.staging-host", "block"),
                             ("app/x.py", 1, "leak.endpoint.staging-host", "warn")]


def test_bad_rule_params_are_a_config_error_when_the_config_loads() -> None:
    with pytest.raises(ConfigError, match=r"key 'rules\.custom\[0\]\.params\.match' must be "
                                          r"one of plain, ip, host, "):
        parse({"rules": {"custom": [{"id": "leak.endpoint.x", "regex": "x",
                                     "params": {"match": "dns"}}]}})
    with pytest.raises(ConfigError, match=r"key 'rules\.custom\[0\]\.params\.actions' must "
                                          r"map contexts to block, annotate, warn or off$"):
        parse({"rules": {"custom": [{"id": "leak.endpoint.y", "regex": "y",
                                     "params": {"actions": {"code": "explode"}}}]}})


def test_disabled_rules_and_groups_are_silent() -> None:
    text = 'IP = "10.0.0.5"\npassword = "Vb6Nm3' + 'Qw9Er2Ty5U"\n'
    assert ids(check({"a.py": text})) == {"leak.endpoint.private-ipv4", "leak.secret.keyword"}
    cfg = parse({"rules": {"disable": ["leak.secret"]}})
    assert ids(check({"a.py": text}, cfg)) == {"leak.endpoint.private-ipv4"}
    cfg = parse({"rules": {"disable": ["leak.endpoint.private-ipv4"]}})
    assert ids(check({"a.py": text}, cfg)) == {"leak.secret.keyword"}


# --- sensitive files -----------------------------------------------------------------------

FILES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    # rule: (files that must be flagged, files that must not)
    "leak.file.private-key": (
        {"certs/tls.key": "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n",
         "certs/bundle.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
                             "-----BEGIN PRIVATE KEY-----\nMIIE\n"},
        {"certs/ca.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
         "keys/id_rsa.pub": "ssh-ed25519 AAAAC3Nza user@host\n"}),
    "leak.file.ssh-key": ({"home/.ssh/id_rsa": "x\n", "id_ed25519": "x\n", "keys/w.ppk": "x\n"},
                          {"keys/id_rsa.pub": "ssh-rsa AAAA\n", "docs/id_rsa.md": "about\n"}),
    "leak.file.keystore": ({"a/client.p12": "x\n", "b/s.pfx": "x\n", "c/app.jks": "x\n",
                            "d/release.keystore": "x\n"}, {"a/client.p12.md": "notes\n"}),
    # Judged by its values: a secret's name with a credential-looking value blocks
    # (other values annotate: test_env_files_are_judged_by_their_values).
    "leak.file.dotenv": ({".env": "API_URL=https://api.example.com\nAPI_TOKEN=Zr8Kq2Lm"
                                  "9Vt4Nw7Y\n",
                          "svc/.env.production": 'SECRET="Hj5Kl8Mn' + '2Bv6Cx9Z"\n',
                          "deploy/app.env": "export DB_PASSWORD=Mz4Qx8Rt" + "2Lw6Pn\n"},
                         {".env.example": "API_URL=\nSECRET=\n", ".env.sample": "A=1\n",
                          "svc/.env": "# nothing\nEMPTY=\nREF=${FROM_CI}\nQ=''\n",
                          "example.env": "DB_PASSWORD=Mz4Qx8Rt" + "2Lw6Pn\n",
                          "hack/test.env": "POSTGRES_PASSWORD=postgres\n",
                          ".devcontainer/backend.env": "SECRET_KEY=dev-secret-key\n"}),
    "leak.file.netrc": ({".netrc": "machine h login u password p4ss\n"},
                        {".netrc": "machine h login u\n"}),
    "leak.file.htpasswd": ({"conf/.htpasswd": "admin:$apr1$abc$def\n"},
                           {"conf/.htpasswd": "# empty\n"}),
    "leak.file.npmrc": ({".npmrc": "//registry.npmjs.org/:_authToken=abc123\n",
                         "web/.npmrc": "_auth=dXNlcjpwYXNz\n"},
                        {".npmrc": "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
                         "web/.npmrc": "save-exact=true\n"}),
    "leak.file.pypirc": ({".pypirc": "[pypi]\nusername = __token__\npassword = pypi-abc\n"},
                         {".pypirc": "[pypi]\nusername = __token__\n",
                          "x/.pypirc": "[pypi]\npassword = ${TWINE_PASSWORD}\n"}),
    "leak.file.agent-transcript": (
        {".aider.chat.history.md": "# aider chat\n", ".specstory/history/2026-01-01.md": "x\n",
         "notes/.claude/projects/p/session.jsonl": "{}\n",
         "logs/rollout-2026-01-01.jsonl": "{}\n"},
        {".claude/settings.json": "{}\n", ".claude/commands/review.md": "x\n"}),
}


@pytest.mark.parametrize("rule_id", sorted(FILES))
def test_each_sensitive_file_rule_positive_and_negative(rule_id: str) -> None:
    flagged, clean = FILES[rule_id]
    for path, text in flagged.items():
        found = [f for f in check({path: text}) if f.rule_id == rule_id]
        assert [(f.path, f.line, str(f.action)) for f in found] == [(path, None, "block")], path
        assert found[0].evidence == f"added: {path}"
    for path, text in clean.items():
        assert rule_id not in ids(check({path: text})), path


def test_every_file_rule_of_the_catalog_is_exercised() -> None:
    catalog = {r.id for r in rules_mod.load(config_mod.Config(), ["leak"])
               if r.id.startswith("leak.file.")}
    assert catalog == set(FILES)


def test_binary_keystore_and_deleted_key_files() -> None:
    p12 = FileChange(path="keys/client.p12", status=Status.ADDED, binary=True,
                     skipped="binary", blob="ab" * 20)
    gone = FileChange(path="deploy/id_rsa", status=Status.DELETED)
    cfg = config_mod.Config()
    found = run_all(ChangeSet(files=(p12, gone), source="index"), rules_mod.load(cfg, ["leak"]),
                    cfg, ["leak"])
    assert active(found) == [("keys/client.p12", None, "leak.file.keystore", "block")]
    # sha256 of the blob id: an allowlist entry names this content.
    assert found[0].value_hash == \
        "f830125c0db7d16c841ee826f4d515b4715c5cf5f2a93e9702e9e13ed8079256"


# --- suppression ---------------------------------------------------------------------------

SECRET_LINE = 'password = "Vb6Nm3' + 'Qw9Er2Ty5U"'


def test_inline_allow_with_a_reason_suppresses_and_is_counted() -> None:
    text = (f"{SECRET_LINE}  # authgate: allow leak.secret.keyword -- rotated, test account\n"
            "# authgate: allow leak.endpoint -- lab network\nIP = '10.0.0.5'\n"
            "IP2 = '10.0.0.6'\n")
    found = check({"app/x.py": text})
    assert active(found) == [("app/x.py", 4, "leak.endpoint.private-ipv4", "annotate")]
    suppressed = sorted((f.line, f.rule_id, f.suppressed) for f in found if f.suppressed)
    assert suppressed == [(1, "leak.secret.keyword", "inline: rotated, test account"),
                          (3, "leak.endpoint.private-ipv4", "inline: lab network")]
    verdict = decide(found, config_mod.Config())
    assert verdict.suppressed == 2 and not verdict.blocked


def test_inline_allow_without_a_reason_or_for_another_rule_is_not_honoured() -> None:
    for comment in ("# authgate: allow leak.secret.keyword",
                    "# authgate: allow leak.endpoint -- x"):
        found = check({"app/x.py": f"{SECRET_LINE}  {comment}\n"})
        # Not honoured, and it says so (a hint that warns: tests/test_allow_hints.py).
        assert active(found) == [("app/x.py", 1, "identity.gate.allow-hint", "warn"),
                                 ("app/x.py", 1, "leak.secret.keyword", "block")], comment


def test_config_allowlist_by_rule_path_and_hash() -> None:
    text = f'{SECRET_LINE}\nIP = "10.0.0.5"\n'
    first = check({"app/x.py": text, "lab/y.py": 'IP = "10.0.0.9"\n'})
    secret = next(f for f in first if f.rule_id == "leak.secret.keyword")
    # sha256 of the password: what an allowlist entry names it by.
    assert secret.value_hash == "f120922cdb6f3d6fc99e750605a7a121ac0f43a247f16feb8798693f3dab77c2"
    cfg = parse({"allowlist": [
        {"hash": secret.value_hash, "reason": "CI fixture account"},
        {"rule": "leak.endpoint", "path": "lab/**", "reason": "lab hosts"},
    ]})
    found = check({"app/x.py": text, "lab/y.py": 'IP = "10.0.0.9"\n'}, cfg)
    assert active(found) == [("app/x.py", 2, "leak.endpoint.private-ipv4", "annotate")]
    reasons = sorted((f.path, f.suppressed) for f in found if f.suppressed)
    assert reasons == [("app/x.py", "config: CI fixture account"),
                       ("lab/y.py", "config: lab hosts")]
    # The same hash elsewhere is the same value, so it is allowed there too; another
    # value is not.
    other = check({"b.py": 'password = "Qw9Er2Ty' + '5UVb6Nm3"\n'}, cfg)
    assert active(other) == [("b.py", 1, "leak.secret.keyword", "block")]


# --- redaction -----------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "line", "secret"), [
    ("deploy/values.yaml", "token: ghp_" + "lpErf87038J1ta6sKT4t2WGmABMsBCkotq0Z",
     "lpErf87038J1ta6sKT4t2WGmABMsBCkotq0Z"),
    ("deploy/values.yaml", "gitlab: glpat-" + "cfcDOrHIPESvjRmeA6mO", "cfcDOrHIPESvjRmeA6mO"),
    ("app/x.py", 'URL = "https://deploy:Vq7Lr2' + 'Nz8Kp4@git.acme.io/r"', "Vq7Lr2Nz8Kp4"),
    ("docs/x.md", "Hook: https://discord.com/api/webhooks/914937424692590507/"
     + "vUULm4A2Aohhhvtf-FPepL0z", "vUULm4A2Aohhhvtf-FPepL0z"),
    ("app/x.py", 'X = "' + "a" * 200 + 'Vb6Nm3Qw9Er2Ty5U"  # password = "Vb6Nm3Qw9Er2Ty5U"',
     "Vb6Nm3Qw9Er2Ty5U"),
])
def test_evidence_and_messages_never_hold_the_secret(path: str, line: str, secret: str) -> None:
    found = check({path: line + "\n"})
    assert found
    for f in found:
        for text in (f.evidence, f.message, f.title, f.fix):
            assert secret not in text
            assert secret[2:-2] not in text


def test_pinned_revisions_are_not_secrets() -> None:
    sha = "b4ffde65f46336ab88eb53be808477a3936bae11"
    config_yaml = f"repos:\n- repo: https://github.com/acme/hooks\n  rev: {sha}\n"
    assert not ids(check({".pre-commit-config.yaml": config_yaml}))
    assert not ids(check({"deps.py": f'COMMIT = "{sha}"\nsha256 = "{sha}{sha[:24]}"\n'}))
    # The same value under a name that is not a revision is reported.
    assert ids(check({"deps.py": f'SESSION = "{sha}"\n'})) == {
        "leak.secret.hex-high-entropy-string"}
