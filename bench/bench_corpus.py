"""A deterministic, offline corpus: a scratch repository that looks like a real product.

Five languages (Python, TypeScript/JavaScript, Go, Java, Ruby), an auth module in each
(login, sessions, tokens, passwords, MFA), tests, fixtures, docs, one 20,000-line
generated file, a few planted fake secrets and internal endpoints. Every file's bytes
depend only on its path and the seed, so file N is the same in a repository of 1,000
files and one of 50,000, and the same change applies to both.

Planted secrets are assembled at run time from generated characters: no literal
credential sits in this source file. None is of a kind that detect-secrets verifies
over the network (Slack, Stripe, Mailchimp, Twilio, Telegram, IBM, Cloudant), and the
AWS key id has no secret access key beside it, so `detect-secrets-hook` without `-n`
makes no network call on this corpus.
"""

from __future__ import annotations

import base64
import json
import os
import random
import string
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

BIG_FILE = "services/catalog/src/catalog/generated/product_table.py"
BIG_FILE_LINES = 20_000

NOUNS = ("order", "invoice", "customer", "cart", "shipment", "payment", "refund", "product",
         "price", "coupon", "account", "report", "ticket", "message", "address", "review",
         "warehouse", "supplier", "discount", "subscription", "notification", "catalog",
         "inventory", "ledger", "quote", "booking", "schedule", "route", "vehicle", "driver")
VERBS = ("load", "save", "compute", "render", "validate", "sync", "export", "import", "merge",
         "split", "publish", "archive", "restore", "apply", "cancel", "approve", "reject",
         "resolve", "estimate", "refresh", "normalize", "aggregate", "schedule", "dispatch")
ADJS = ("pending", "active", "archived", "draft", "final", "partial", "primary", "external",
        "cached", "batched", "local", "remote", "weekly", "daily", "default", "legacy")
SERVICES = ("billing", "catalog", "checkout", "shipping", "search", "notifications",
            "reporting", "inventory", "pricing", "support", "accounts", "analytics")
WORDS = ("the", "service", "returns", "a", "list", "of", "records", "for", "each", "request",
         "when", "cache", "is", "empty", "we", "fall", "back", "to", "database", "and", "log",
         "warning", "this", "keeps", "latency", "low", "under", "load", "retry", "with",
         "backoff", "until", "timeout", "expires", "callers", "must", "handle", "errors")


def _camel(*parts: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in parts)


def _sentence(rnd: random.Random, n: int) -> str:
    words = [rnd.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


# --- one file per language ----------------------------------------------------------

def _py_function(rnd: random.Random, name: str) -> list[str]:
    noun, adj = rnd.choice(NOUNS), rnd.choice(ADJS)
    shape = rnd.randrange(4)
    out = [f"def {name}({noun}_id: int, limit: int = {rnd.randrange(10, 500)}) -> list[dict]:",
           f'    """{_sentence(rnd, rnd.randrange(6, 12))}"""']
    if shape == 0:
        out += [f"    rows = _repository.fetch_{noun}s(status={adj!r}, limit=limit)",
                f"    result = [row for row in rows if row.get('{noun}_id') == {noun}_id]",
                "    if not result:",
                f"        log.info('no {adj} {noun}s for %s', {noun}_id)",
                "    return result"]
    elif shape == 1:
        out += ["    total = 0",
                f"    for item in _repository.iter_{noun}s({noun}_id):",
                f"        total += item.get('amount', 0) * {rnd.randrange(1, 9)}",
                "        if total > limit:",
                "            break",
                f"    return [{{'{noun}_id': {noun}_id, 'total': total}}]"]
    elif shape == 2:
        out += ["    try:",
                f"        payload = _client.get(f'/api/{noun}s/{{{noun}_id}}', timeout=5)",
                "    except TimeoutError:",
                f"        log.warning('{noun} lookup timed out')",
                "        return []",
                "    return payload.get('items', [])[:limit]"]
    else:
        out += [f"    cached = _cache.get(('{name}', {noun}_id))",
                "    if cached is not None:",
                "        return cached",
                f"    value = sorted(_repository.fetch_{noun}s(limit=limit),",
                "                   key=lambda r: r['id'])",
                f"    _cache[('{name}', {noun}_id)] = value",
                "    return value"]
    return [*out, "", ""]


def _python(rnd: random.Random, module: str) -> str:
    noun = rnd.choice(NOUNS)
    lines = [f'"""{_camel(noun)} {module.replace("_", " ")}: {_sentence(rnd, 8)}"""', "",
             "from __future__ import annotations", "", "import logging",
             "from dataclasses import dataclass, field", "",
             f"from app.storage import {_camel(noun)}Repository", "",
             "log = logging.getLogger(__name__)",
             f"_repository = {_camel(noun)}Repository()", "_cache: dict = {}", "_client = None",
             "", "", "@dataclass",
             f"class {_camel(rnd.choice(ADJS), noun)}:", "    id: int", "    name: str",
             f"    {rnd.choice(NOUNS)}_count: int = 0",
             "    tags: list[str] = field(default_factory=list)", "", ""]
    for _ in range(rnd.randrange(3, 7)):
        lines += _py_function(rnd, f"{rnd.choice(VERBS)}_{rnd.choice(ADJS)}_{rnd.choice(NOUNS)}")
    return "\n".join(lines).rstrip() + "\n"


def _python_test(rnd: random.Random, module: str) -> str:
    lines = ["import pytest", "", f"from app import {module}", "", ""]
    for _ in range(rnd.randrange(3, 6)):
        noun = rnd.choice(NOUNS)
        name = f"test_{rnd.choice(VERBS)}_{noun}_{rnd.choice(ADJS)}"
        lines += [f"def {name}(monkeypatch):",
                  f"    monkeypatch.setattr({module}, '_cache', {{}})",
                  f"    result = {module}.{rnd.choice(VERBS)}_{rnd.choice(ADJS)}_{noun}"
                  f"({rnd.randrange(1, 99)})",
                  "    assert isinstance(result, list)", "", ""]
    return "\n".join(lines).rstrip() + "\n"


def _typescript(rnd: random.Random, module: str) -> str:
    noun = rnd.choice(NOUNS)
    typ = _camel(noun)
    lines = ["import { apiClient } from '../api/client';",
             f"import type {{ {typ} }} from '../types';", "",
             f"export interface {typ}Query {{", "  limit: number;", "  status?: string;", "}", ""]
    for _ in range(rnd.randrange(3, 7)):
        fn = rnd.choice(VERBS) + _camel(rnd.choice(ADJS), noun)
        lines += [f"// {_sentence(rnd, 9)}",
                  f"export async function {fn}(id: string, q: {typ}Query): Promise<{typ}[]> {{",
                  f"  const res = await apiClient.get(`/api/{noun}s/${{id}}`, {{ params: q }});",
                  "  if (res.status !== 200) {",
                  f"    throw new Error('{fn} failed: ' + res.status);",
                  "  }",
                  f"  return res.data.items.filter((x: {typ}) => x.status === "
                  f"'{rnd.choice(ADJS)}');",
                  "}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _javascript(rnd: random.Random, module: str) -> str:
    lines = ["'use strict';", "", "const { format } = require('./format');", ""]
    for _ in range(rnd.randrange(3, 7)):
        noun = rnd.choice(NOUNS)
        fn = rnd.choice(VERBS) + _camel(noun)
        lines += [f"function {fn}(items, options = {{}}) {{",
                  f"  const limit = options.limit || {rnd.randrange(5, 200)};",
                  "  return items",
                  f"    .filter((item) => item.{noun}Id !== undefined)",
                  "    .slice(0, limit)",
                  "    .map((item) => format(item));", "}", ""]
    lines.append("module.exports = {};")
    return "\n".join(lines).rstrip() + "\n"


def _go(rnd: random.Random, pkg: str) -> str:
    lines = [f"package {pkg}", "", "import (", '\t"context"', '\t"errors"', '\t"fmt"', ")", "",
             f'var ErrNotFound = errors.New("{pkg}: not found")', ""]
    for _ in range(rnd.randrange(3, 7)):
        noun = rnd.choice(NOUNS)
        typ = _camel(noun)
        fn = _camel(rnd.choice(VERBS), rnd.choice(ADJS), noun)
        lines += [f"// {fn} {_sentence(rnd, 8).lower()}",
                  f"func {fn}(ctx context.Context, store Store, id int64) (*{typ}, error) {{",
                  f"\titem, err := store.Get{typ}(ctx, id)",
                  "\tif err != nil {",
                  f'\t\treturn nil, fmt.Errorf("{fn}: %w", err)',
                  "\t}",
                  "\tif item == nil {",
                  "\t\treturn nil, ErrNotFound",
                  "\t}",
                  "\treturn item, nil",
                  "}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _java(rnd: random.Random, pkg: str, cls: str) -> str:
    lines = [f"package com.example.{pkg};", "", "import java.util.List;",
             "import java.util.Optional;", "import java.util.stream.Collectors;", "",
             f"/** {_sentence(rnd, 10)} */", f"public class {cls} {{",
             f"    private final {cls}Repository repository;", "",
             f"    public {cls}({cls}Repository repository) {{",
             "        this.repository = repository;", "    }", ""]
    for _ in range(rnd.randrange(3, 6)):
        noun = rnd.choice(NOUNS)
        typ = _camel(noun)
        fn = rnd.choice(VERBS) + _camel(rnd.choice(ADJS), noun) + "s"
        lines += [f"    public List<{typ}> {fn}(long ownerId, int limit) {{",
                  f"        return repository.findBy{typ}Owner(ownerId).stream()",
                  f"            .filter(x -> x.getStatus() == Status.{rnd.choice(ADJS).upper()})",
                  "            .limit(limit)",
                  "            .collect(Collectors.toList());", "    }", ""]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _ruby(rnd: random.Random, cls: str) -> str:
    lines = [f"# {_sentence(rnd, 9)}", f"class {cls} < ApplicationRecord",
             f"  belongs_to :{rnd.choice(NOUNS)}", f"  has_many :{rnd.choice(NOUNS)}s", "",
             f"  scope :{rnd.choice(ADJS)}, -> {{ where(status: '{rnd.choice(ADJS)}') }}", ""]
    for _ in range(rnd.randrange(3, 6)):
        noun = rnd.choice(NOUNS)
        lines += [f"  def {rnd.choice(VERBS)}_{noun}(limit = {rnd.randrange(5, 100)})",
                  f"    {noun}s.where(active: true).limit(limit).map do |row|",
                  f"      row.slice(:id, :{noun}_id, :amount)", "    end", "  end", ""]
    lines.append("end")
    return "\n".join(lines) + "\n"


def _markdown(rnd: random.Random, title: str) -> str:
    lines = [f"# {title}", ""]
    for _ in range(rnd.randrange(3, 6)):
        lines += [f"## {_camel(rnd.choice(VERBS))} {rnd.choice(NOUNS)}s", ""]
        lines += [" ".join(_sentence(rnd, rnd.randrange(8, 16)) for _ in range(3)), ""]
    return "\n".join(lines)


def _fixture_json(rnd: random.Random) -> str:
    rows = [{"id": i, "email": f"user{i}@example.com", "name": f"{rnd.choice(NOUNS)} {i}",
             "status": rnd.choice(ADJS), "amount": rnd.randrange(1, 10_000)}
            for i in range(rnd.randrange(5, 25))]
    return json.dumps(rows, indent=2) + "\n"


# --- the bulk: file N of any repository size ----------------------------------------

# One slot of twenty per kind, so every range of files mixes the languages.
_KINDS = ("py", "py", "py", "py", "pytest", "pytest", "ts", "ts", "tsx", "js", "js", "go",
          "go", "gotest", "java", "java", "javatest", "rb", "rb", "md")


def bulk_path(i: int) -> str:
    kind = _KINDS[i % len(_KINDS)]
    svc = SERVICES[(i // 400) % len(SERVICES)] + ("" if i < 4800 else str(i // 4800))
    pkg = f"{NOUNS[(i // 40) % len(NOUNS)]}{(i // 1200) or ''}"
    stem = f"{VERBS[i % len(VERBS)]}_{NOUNS[(i // 7) % len(NOUNS)]}_{i}"
    cls = _camel(VERBS[i % len(VERBS)], NOUNS[(i // 7) % len(NOUNS)]) + str(i)
    ts_name = _camel(*stem.split("_"))
    return {
        "py": f"services/{svc}/src/{svc}/{pkg}/{stem}.py",
        "pytest": f"services/{svc}/tests/{pkg}/test_{stem}.py",
        "ts": f"web/src/{pkg}/{ts_name}.ts",
        "tsx": f"web/src/components/{pkg}/{ts_name}.tsx",
        "js": f"web/lib/{pkg}/{stem}.js",
        "go": f"go/internal/{svc}/{pkg}/{stem}.go",
        "gotest": f"go/internal/{svc}/{pkg}/{stem}_test.go",
        "java": f"java/src/main/java/com/example/{svc}/{pkg}/{cls}.java",
        "javatest": f"java/src/test/java/com/example/{svc}/{pkg}/{cls}Test.java",
        "rb": f"ruby/app/models/{pkg}/{stem}.rb",
        "md": f"docs/{svc}/{stem}.md",
    }[kind]


def bulk_content(i: int, seed: int = 0) -> str:
    path = bulk_path(i)
    rnd = random.Random(f"{seed}:{path}")
    kind = _KINDS[i % len(_KINDS)]
    stem = os.path.splitext(os.path.basename(path))[0]
    if kind == "py":
        return _python(rnd, stem)
    if kind == "pytest":
        return _python_test(rnd, stem[5:])
    if kind in ("ts", "tsx"):
        return _typescript(rnd, stem)
    if kind == "js":
        return _javascript(rnd, stem)
    if kind in ("go", "gotest"):
        return _go(rnd, os.path.basename(os.path.dirname(path)))
    if kind in ("java", "javatest"):
        return _java(rnd, path.split("/com/example/")[1].rsplit("/", 1)[0].replace("/", "."),
                     stem)
    if kind == "rb":
        return _ruby(rnd, _camel(*stem.split("_")))
    return _markdown(rnd, _camel(*stem.split("_")[:2]))


# --- the core: auth module, fixtures, docs, planted secrets, the big file -----------

def _fake(rnd: random.Random, alphabet: str, n: int) -> str:
    return "".join(rnd.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def planted(seed: int = 0) -> dict[str, str]:
    """Fake credentials, built from generated characters (see the module docstring)."""
    rnd = random.Random(f"{seed}:planted")
    up, alnum = string.ascii_uppercase + string.digits, string.ascii_letters + string.digits
    head = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64url(json.dumps({"sub": "1234", "name": "bench", "iat": 1700000000}).encode())
    key_body = base64.b64encode(bytes(rnd.randrange(256) for _ in range(600))).decode()
    return {
        "aws_key_id": "AK" + "IA" + _fake(rnd, up, 16),
        "github_token": "gh" + "p_" + _fake(rnd, alnum, 36),
        "jwt": f"{head}.{body}.{_b64url(bytes(rnd.randrange(256) for _ in range(32)))}",
        "db_password": _fake(rnd, alnum, 14) + "!9",
        "api_key": _fake(rnd, string.hexdigits.lower()[:16], 40),
        "session_secret": base64.b64encode(bytes(rnd.randrange(256) for _ in range(33))).decode(),
        "npm_token": "np" + "m_" + _fake(rnd, alnum, 36),
        "private_key": "\n".join(
            ["-----BEGIN " + "RSA PRIVATE" + " KEY-----"]
            + [key_body[j:j + 64] for j in range(0, len(key_body), 64)]
            + ["-----END " + "RSA PRIVATE" + " KEY-----"]) + "\n",
    }


AUTH_PY = {
    "login.py": '''"""Login: password check, lockout, and the session that follows."""

from __future__ import annotations

import hmac
import time

from auth.passwords import verify_password
from auth.sessions import create_session
from auth.store import users

MAX_ATTEMPTS = 5
LOCKOUT_SECONDS = 900


class LoginError(Exception):
    pass


def login(username: str, password: str, *, remote_addr: str) -> str:
    user = users.find_by_username(username)
    if user is None:
        # Same work for unknown users, so timing does not reveal which names exist.
        verify_password(password, users.DUMMY_HASH)
        raise LoginError("invalid credentials")
    if user.failed_attempts >= MAX_ATTEMPTS and time.time() - user.last_failure < LOCKOUT_SECONDS:
        raise LoginError("account locked")
    if not verify_password(password, user.password_hash):
        users.record_failure(user.id, remote_addr)
        raise LoginError("invalid credentials")
    users.reset_failures(user.id)
    return create_session(user.id, remote_addr=remote_addr)


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
''',
    "sessions.py": '''"""Server-side sessions with rotation on privilege change."""

from __future__ import annotations

import secrets
import time

from auth.store import sessions

SESSION_TTL = 3600
COOKIE_FLAGS = {"httponly": True, "secure": True, "samesite": "Lax"}


def create_session(user_id: int, *, remote_addr: str) -> str:
    sid = secrets.token_urlsafe(32)
    sessions.put(sid, {"user_id": user_id, "created": time.time(), "addr": remote_addr})
    return sid


def rotate_session(old_sid: str) -> str:
    data = sessions.pop(old_sid)
    if data is None:
        raise KeyError("unknown session")
    return create_session(data["user_id"], remote_addr=data["addr"])


def is_expired(data: dict) -> bool:
    return time.time() - data["created"] > SESSION_TTL
''',
    "tokens.py": '''"""Access and refresh tokens (JWT, HS256, short-lived)."""

from __future__ import annotations

import datetime as dt

import jwt

from auth.config import settings

ALGORITHMS = ["HS256"]


def issue_access_token(user_id: int, scopes: list[str]) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": str(user_id), "scope": " ".join(scopes), "iat": now,
              "exp": now + dt.timedelta(minutes=15), "aud": settings.audience}
    return jwt.encode(claims, settings.signing_key, algorithm="HS256")


def decode_access_token(token: str) -> dict:
    return jwt.decode(token, settings.signing_key, algorithms=ALGORITHMS,
                      audience=settings.audience)
''',
    "passwords.py": '''"""Password hashing with bcrypt; policy checks on new passwords."""

from __future__ import annotations

import bcrypt

MIN_LENGTH = 12


def hash_password(password: str) -> bytes:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=12))


def verify_password(password: str, hashed: bytes) -> bool:
    return bcrypt.checkpw(password.encode(), hashed)


def validate_password(password: str) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"at least {MIN_LENGTH} characters")
    return problems
''',
    "mfa.py": '''"""TOTP second factor and recovery codes."""

from __future__ import annotations

import hashlib
import hmac
import struct
import time


def totp(secret: bytes, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(secret, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return str(code).zfill(digits)


def verify_totp(secret: bytes, code: str, window: int = 1) -> bool:
    now = time.time()
    return any(hmac.compare_digest(totp(secret, now + k * 30), code)
               for k in range(-window, window + 1))
''',
}


def _core(seed: int) -> dict[str, str]:
    p = planted(seed)
    files: dict[str, str] = {}
    for name, text in AUTH_PY.items():
        files[f"services/accounts/src/auth/{name}"] = text
        files[f"services/accounts/tests/auth/test_{name}"] = (
            f"from auth import {name[:-3]}\n\n\n"
            f"def test_{name[:-3]}_module_loads():\n    assert {name[:-3]} is not None\n")
    files["services/accounts/src/auth/config.py"] = (
        '"""Auth settings, read from the environment."""\n\nimport os\n\n\n'
        "class Settings:\n"
        "    signing_key = os.environ.get('AUTH_SIGNING_KEY', '')\n"
        "    audience = 'https://api.example.com'\n"
        "    issuer_url = 'https://auth.internal.corp/oauth/token'\n\n\n"
        "settings = Settings()\n")
    files["web/src/auth/session.ts"] = (
        "import { apiClient } from '../api/client';\n\n"
        "export async function login(username: string, password: string): Promise<string> {\n"
        "  const res = await apiClient.post('/api/login', { username, password });\n"
        "  if (res.status !== 200) throw new Error('login failed');\n"
        "  return res.data.sessionId;\n}\n\n"
        "export function logout(): Promise<void> {\n"
        "  return apiClient.post('/api/logout');\n}\n")
    files["web/src/auth/token.ts"] = (
        "import jwtDecode from 'jwt-decode';\n\n"
        "export function isExpired(token: string): boolean {\n"
        "  const { exp } = jwtDecode<{ exp: number }>(token);\n"
        "  return Date.now() / 1000 > exp;\n}\n")
    files["go/internal/auth/middleware.go"] = (
        "package auth\n\nimport (\n\t\"net/http\"\n\t\"strings\"\n)\n\n"
        "// RequireToken rejects requests without a valid bearer token.\n"
        "func RequireToken(v Verifier, next http.Handler) http.Handler {\n"
        "\treturn http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {\n"
        "\t\traw := strings.TrimPrefix(r.Header.Get(\"Authorization\"), \"Bearer \")\n"
        "\t\tif _, err := v.Verify(raw); err != nil {\n"
        "\t\t\thttp.Error(w, \"unauthorized\", http.StatusUnauthorized)\n\t\t\treturn\n\t\t}\n"
        "\t\tnext.ServeHTTP(w, r)\n\t})\n}\n")
    files["java/src/main/java/com/example/security/JwtFilter.java"] = (
        "package com.example.security;\n\n"
        "import io.jsonwebtoken.Jwts;\n\n"
        "public class JwtFilter {\n"
        "    private final byte[] key;\n\n"
        "    public JwtFilter(byte[] key) { this.key = key; }\n\n"
        "    public String subject(String token) {\n"
        "        return Jwts.parserBuilder().setSigningKey(key).build()\n"
        "            .parseClaimsJws(token).getBody().getSubject();\n    }\n}\n")
    files["ruby/app/controllers/sessions_controller.rb"] = (
        "class SessionsController < ApplicationController\n"
        "  skip_before_action :require_login, only: %i[new create]\n\n"
        "  def create\n"
        "    user = User.find_by(email: params[:email])\n"
        "    if user&.authenticate(params[:password])\n"
        "      reset_session\n      session[:user_id] = user.id\n"
        "      redirect_to root_path\n    else\n"
        "      render :new, status: :unprocessable_entity\n    end\n  end\nend\n")
    # Planted: one of each kind a reviewer would want caught, none verifiable online.
    files["deploy/settings.py"] = (
        "# Deployment settings for the staging stack.\n"
        f"AWS_ACCESS_KEY_ID = \"{p['aws_key_id']}\"\n"
        "REGION = 'eu-west-1'\n"
        "DATABASE_URL = "
        f"\"postgres://admin:{p['db_password']}@db-prod-3.corp:5432/users\"\n"
        "METADATA_URL = 'http://169.254.169.254/latest/meta-data/'\n")
    files["scripts/release.sh"] = (
        "#!/bin/sh\nset -eu\n"
        f"export GITHUB_TOKEN={p['github_token']}\n"
        "curl -fsS http://10.12.4.7:8080/internal/health\n")
    files["services/billing/src/billing/gateway.py"] = (
        "import requests\n\n"
        f"api_key = \"{p['api_key']}\"\n\n\n"
        "def charge(amount):\n"
        "    return requests.post('https://payments.example.com/charge',\n"
        "                         json={'amount': amount}, headers={'X-Api-Key': api_key})\n")
    files["fixtures/auth/tokens.json"] = json.dumps(
        {"valid": p["jwt"], "issuer": "https://auth.internal.corp"}, indent=2) + "\n"
    files["fixtures/certs/dev-key.pem"] = p["private_key"]
    files[".env.production"] = (
        f"SESSION_SECRET={p['session_secret']}\nDB_HOST=10.0.3.12\nLOG_LEVEL=info\n")
    files[".npmrc"] = f"//registry.npmjs.org/:_authToken={p['npm_token']}\n"
    files["fixtures/users.json"] = _fixture_json(random.Random(f"{seed}:fixtures/users.json"))
    files["docker-compose.yml"] = (
        "services:\n  db:\n    image: postgres:16\n    environment:\n"
        "      POSTGRES_PASSWORD: postgres\n  api:\n    build: .\n"
        "    environment:\n      DATABASE_URL: postgres://postgres:postgres@db:5432/app\n")
    files["docs/auth/overview.md"] = _markdown(random.Random(f"{seed}:auth-doc"), "Auth overview")
    files["README.md"] = "# Example product\n\nA generated repository for benchmarks.\n"
    files[BIG_FILE] = big_file(seed)
    return files


def big_file(seed: int = 0, changed_line: int | None = None) -> str:
    """A generated table of BIG_FILE_LINES lines; `changed_line` (1-based) differs."""
    lines = ['"""Generated product table. Do not edit."""', "", "PRODUCTS = ["]
    body = BIG_FILE_LINES - 4
    rnd = random.Random(f"{seed}:{BIG_FILE}")
    prices = [rnd.randrange(100, 99_999) for _ in range(97)]
    for i in range(body):
        lines.append(f"    ({i}, 'sku-{i:06d}', '{NOUNS[i % len(NOUNS)]}', "
                     f"{prices[i % 97]}, '{ADJS[i % len(ADJS)]}'),")
    lines.append("]")
    if changed_line is not None:
        lines[changed_line - 1] = lines[changed_line - 1].replace("'sku-", "'SKU-")
    return "\n".join(lines) + "\n"


def files(n_files: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """(path, text) of every file of an n_files repository, core first."""
    core = _core(seed)
    yield from core.items()
    for i in range(max(0, n_files - len(core))):
        yield bulk_path(i), bulk_content(i, seed)


@dataclass(frozen=True)
class Corpus:
    root: str
    files: int
    bytes: int


def write(root: str, n_files: int, seed: int = 0) -> Corpus:
    count = size = 0
    made: set[str] = set()
    for rel, text in files(n_files, seed):
        path = os.path.join(root, rel)
        parent = os.path.dirname(path)
        if parent not in made:
            os.makedirs(parent, exist_ok=True)
            made.add(parent)
        data = text.encode("utf-8")
        with open(path, "wb") as fh:
            fh.write(data)
        count += 1
        size += len(data)
    return Corpus(root, count, size)


def git(root: str, env: Mapping[str, str], *args: str, stdin: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=root, env=dict(env), input=stdin,
                          capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.decode(errors='replace')}")
    return proc.stdout.decode("utf-8", "replace").strip()


def build_repo(root: str, n_files: int, env: Mapping[str, str], seed: int = 0) -> Corpus:
    """Write the corpus and commit it in one `git add -A` / `git commit`."""
    os.makedirs(root, exist_ok=True)
    git(root, env, "init", "-q", "-b", "main")
    # No background maintenance or fsmonitor: they would make timings drift.
    for key, value in (("gc.auto", "0"), ("maintenance.auto", "false"),
                       ("core.fsmonitor", "false"), ("core.untrackedCache", "false")):
        git(root, env, "config", key, value)
    corpus = write(root, n_files, seed)
    git(root, env, "add", "-A")
    git(root, env, "commit", "-q", "--no-verify", "-m", f"corpus of {corpus.files} files")
    return corpus


# --- changes ------------------------------------------------------------------------

def _addition(rnd: random.Random, path: str, n_lines: int) -> str:
    """About n_lines of new code in the language of `path`."""
    ext = os.path.splitext(path)[1]
    out: list[str] = []
    while len(out) < n_lines:
        noun, verb = rnd.choice(NOUNS), rnd.choice(VERBS)
        if ext == ".py":
            out += _py_function(rnd, f"{verb}_{noun}_{len(out)}")
        elif ext in (".ts", ".tsx", ".js"):
            out += [f"export function {verb}{_camel(noun)}{len(out)}(items: any[]) {{",
                    f"  return items.filter((x) => x.{noun}Id != null).slice(0, "
                    f"{rnd.randrange(5, 50)});", "}", ""]
        elif ext == ".go":
            out += [f"func {_camel(verb, noun)}{len(out)}(xs []int) int {{", "\ttotal := 0",
                    "\tfor _, x := range xs {", "\t\ttotal += x", "\t}", "\treturn total", "}",
                    ""]
        elif ext == ".java":
            out += [f"    // {_sentence(rnd, 6)}",
                    f"    public static int {verb}{_camel(noun)}{len(out)}(int x) {{",
                    f"        return x * {rnd.randrange(2, 9)};", "    }"]
        elif ext == ".rb":
            out += [f"  def {verb}_{noun}_{len(out)}", f"    {noun}s.count", "  end", ""]
        else:
            out += [_sentence(rnd, 12), ""]
    return "\n".join(out) + "\n"


def _append(root: str, rel: str, text: str) -> None:
    path = os.path.join(root, rel)
    if rel.endswith((".java", ".rb")):
        # Inside the class: before the closing "end" / "}" line.
        with open(path, encoding="utf-8") as fh:
            body = fh.read()
        cut = body.rstrip("\n").rfind("\n") + 1
        new = body[:cut] + text + body[cut:]
    else:
        with open(path, encoding="utf-8") as fh:
            new = fh.read() + "\n" + text
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)


AUTH_CHANGE = '''

REFRESH_TTL_DAYS = 14


def issue_refresh_token(user_id: int, session_id: str) -> str:
    """A long-lived token bound to one session, rotated on every use."""
    now = dt.datetime.now(dt.timezone.utc)
    claims = {"sub": str(user_id), "sid": session_id, "typ": "refresh", "iat": now,
              "exp": now + dt.timedelta(days=REFRESH_TTL_DAYS), "aud": settings.audience}
    return jwt.encode(claims, settings.signing_key, algorithm="HS256")


def refresh(token: str) -> tuple[str, str]:
    claims = jwt.decode(token, settings.signing_key, algorithms=ALGORITHMS,
                        audience=settings.audience)
    if claims.get("typ") != "refresh":
        raise ValueError("not a refresh token")
    user_id = int(claims["sub"])
    return issue_access_token(user_id, ["read"]), issue_refresh_token(user_id, claims["sid"])
'''

LOGIN_CHANGE = '''

def login_with_mfa(username: str, password: str, code: str, *, remote_addr: str) -> str:
    user = users.find_by_username(username)
    if user is None or not verify_password(password, user.password_hash):
        raise LoginError("invalid credentials")
    if user.mfa_secret and not verify_totp(user.mfa_secret, code):
        users.record_failure(user.id, remote_addr)
        raise LoginError("invalid second factor")
    return create_session(user.id, remote_addr=remote_addr)
'''

TEST_CHANGE = '''

def test_refresh_rejects_an_access_token():
    token = tokens.issue_access_token(7, ["read"])
    try:
        tokens.refresh(token)
    except ValueError as exc:
        assert "refresh" in str(exc)
    else:
        raise AssertionError("an access token was accepted as a refresh token")


def test_login_with_wrong_code_is_refused(monkeypatch):
    monkeypatch.setattr(login.users, "find_by_username", lambda name: None)
    try:
        login.login_with_mfa("ann", "a long passphrase", "000000", remote_addr="192.0.2.1")
    except login.LoginError:
        pass
'''


def typical_change(root: str, seed: int = 0) -> list[str]:
    """~10 files, ~500 added lines, some of it auth code; returns the paths changed.

    Touches only core files and bulk files 0-59, which exist in every repository of
    1,000 files or more, so the same change lands in every size."""
    rnd = random.Random(f"{seed}:typical-change")
    _append(root, "services/accounts/src/auth/tokens.py", AUTH_CHANGE)
    _append(root, "services/accounts/src/auth/login.py", LOGIN_CHANGE)
    _append(root, "services/accounts/tests/auth/test_tokens.py", TEST_CHANGE)
    changed = ["services/accounts/src/auth/tokens.py", "services/accounts/src/auth/login.py",
               "services/accounts/tests/auth/test_tokens.py"]
    # Python, TypeScript, Go, Java, Ruby, docs: one or two each.
    for i, n_lines in ((0, 90), (20, 80), (6, 60), (29, 50), (11, 50), (14, 40), (37, 30)):
        rel = bulk_path(i)
        _append(root, rel, _addition(rnd, rel, n_lines))
        changed.append(rel)
    return changed


def touch_files(root: str, count: int, seed: int = 0, lines: int = 8) -> list[str]:
    """Append a few lines to `count` bulk files (after the core, in path order)."""
    rnd = random.Random(f"{seed}:touch:{count}")
    changed = []
    for i in range(count):
        rel = bulk_path(i)
        _append(root, rel, _addition(rnd, rel, lines))
        changed.append(rel)
    return changed


def one_line_change(root: str, seed: int = 0) -> list[str]:
    """Change one line in the middle of the 20,000-line file."""
    with open(os.path.join(root, BIG_FILE), "w", encoding="utf-8") as fh:
        fh.write(big_file(seed, changed_line=BIG_FILE_LINES // 2))
    return [BIG_FILE]


def commit_range(root: str, env: Mapping[str, str], count: int, seed: int = 0,
                 branch: str = "bench-range") -> tuple[str, str]:
    """`count` commits on a new branch from HEAD, made with `git fast-import` (the work
    tree is not touched). Each appends to one to three files; every fifth touches auth
    code and carries trailers. Returns (base, tip) for `base..tip`."""
    base = git(root, env, "rev-parse", "HEAD")
    rnd = random.Random(f"{seed}:range")
    contents: dict[str, str] = {}
    auth_files = ["services/accounts/src/auth/tokens.py", "services/accounts/src/auth/login.py"]
    stream: list[bytes] = []

    def data(payload: bytes) -> None:
        stream.append(b"data %d\n" % len(payload))
        stream.append(payload + b"\n")

    for k in range(count):
        picks = [bulk_path(rnd.randrange(60)) for _ in range(rnd.randrange(1, 4))]
        message = f"{_camel(rnd.choice(VERBS))} {rnd.choice(NOUNS)} handling ({k})\n"
        if k % 5 == 0:
            picks.append(auth_files[k % 2])
            message += "\nIdentity-Impact: high\nRequires-Review: security\n"
        stream.append(f"commit refs/heads/{branch}\n".encode())
        stream.append(f"committer Bench <bench@example.com> {1767225600 + k * 60} +0000\n"
                      .encode())
        data(message.encode())
        if k == 0:
            stream.append(f"from {base}\n".encode())
        for rel in dict.fromkeys(picks):
            if rel not in contents:
                with open(os.path.join(root, rel), encoding="utf-8") as fh:
                    contents[rel] = fh.read()
            contents[rel] += "\n" + _addition(rnd, rel, rnd.randrange(5, 30))
            stream.append(f"M 100644 inline {rel}\n".encode())
            data(contents[rel].encode())
        stream.append(b"\n")
    git(root, env, "fast-import", "--quiet", "--done", stdin=b"".join(stream) + b"done\n")
    return base, git(root, env, "rev-parse", branch)
