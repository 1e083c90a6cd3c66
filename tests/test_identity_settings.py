"""Framework security settings (issue 12): the settings that decide identity for every
request, in Django/Flask, Express/NestJS, Rails, Spring and Go. Turning a cookie's
Secure/HttpOnly/SameSite off, forcing HTTPS no more, emptying the password
validators, CORS credentials for any origin and DEBUG next to auth settings annotate
at high (whether it is wrong depends on the environment the file configures; test and
development settings are left out by name); a weak hasher put first and a lowered
work factor are identity.password.*. Real git, the staged change judged as the hook
does."""

from __future__ import annotations

import pytest

from testing import Repo
from testing.staged import Action, Case, Tier, found, judge, rule_ids, topics

SETTINGS = [
    (Case("django-cookie", "mysite/settings.py",
          "SESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = True\n",
          "SESSION_COOKIE_SECURE = True\nCSRF_COOKIE_SECURE = False\n"),
     "identity.settings.cookie-flags", 2),
    (Case("express-cookie", "src/app.js",
          "app.use(session({\n  secret: process.env.S,\n  cookie: { secure: true },\n}))\n",
          "app.use(session({\n  secret: process.env.S,\n  cookie: { secure: false },\n}))\n"),
     "identity.settings.cookie-flags", 3),
    (Case("rails-force-ssl", "config/environments/production.rb",
          "Rails.application.configure do\n  config.force_ssl = true\nend\n",
          "Rails.application.configure do\n  config.force_ssl = false\nend\n"),
     "identity.settings.cookie-flags", 2),
    (Case("spring-csrf", "src/main/java/com/acme/WebConfig.java",
          "class WebConfig {\n  SecurityFilterChain chain(HttpSecurity http) {\n"
          "    return http.build();\n  }\n}\n",
          "class WebConfig {\n  SecurityFilterChain chain(HttpSecurity http) {\n"
          "    http.csrf(csrf -> csrf.disable());\n    return http.build();\n  }\n}\n"),
     "identity.settings.cookie-flags", 3),
    (Case("go-samesite", "internal/web/session.go",
          "package web\n\nvar c = &http.Cookie{\n\tName:     \"session\",\n"
          "\tSameSite: http.SameSiteStrictMode,\n}\n",
          "package web\n\nvar c = &http.Cookie{\n\tName:     \"session\",\n"
          "\tSameSite: http.SameSiteNoneMode,\n}\n"),
     "identity.settings.cookie-flags", 5),
    (Case("django-validators", "mysite/settings.py",
          "AUTH_PASSWORD_VALIDATORS = [\n"
          "    {'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'},\n]\n",
          "AUTH_PASSWORD_VALIDATORS = []\n"),
     "identity.settings.password-validators-emptied", 1),
    (Case("devise-length", "config/initializers/devise.rb",
          "Devise.setup do |config|\n  config.password_length = 12..128\nend\n",
          "Devise.setup do |config|\n  config.password_length = 1..128\nend\n"),
     "identity.settings.password-validators-emptied", 2),
    (Case("nest-cors", "src/main.ts",
          "async function bootstrap() {\n  const app = await NestFactory.create(AppModule)\n}\n",
          "async function bootstrap() {\n  const app = await NestFactory.create(AppModule)\n"
          "  app.enableCors({ origin: true, credentials: true })\n}\n"),
     "identity.settings.cors-credentials", 3),
    (Case("go-cors", "cmd/api/main.go", "package main\n",
          "package main\n\nvar c = cors.New(cors.Options{\n\tAllowedOrigins:   []string{\"*\"},\n"
          "\tAllowCredentials: true,\n})\n"),
     "identity.settings.cors-credentials", 5),
    (Case("spring-cors", "src/main/java/com/acme/Cors.java", "class Cors {\n}\n",
          "class Cors {\n  void add(CorsRegistry r) {\n"
          "    r.addMapping(\"/**\").allowedOriginPatterns(\"*\")\n"
          "      .allowCredentials(true);\n  }\n}\n"),
     "identity.settings.cors-credentials", 4),
    (Case("django-debug", "mysite/settings.py",
          "DEBUG = False\nSESSION_COOKIE_AGE = 3600\n",
          "DEBUG = True\nSESSION_COOKIE_AGE = 3600\n"),
     "identity.settings.debug-with-auth", 1),
    (Case("rails-debug", "config/environments/production.rb",
          "Rails.application.configure do\n  config.consider_all_requests_local = false\nend\n",
          "Rails.application.configure do\n  config.consider_all_requests_local = true\nend\n"),
     "identity.settings.debug-with-auth", 2),
]


@pytest.mark.parametrize(("case", "rule", "line"), SETTINGS,
                         ids=[c.id for c, _, _ in SETTINGS])
def test_a_weakened_identity_setting_annotates_at_high(repo: Repo, case: Case, rule: str,
                                                       line: int) -> None:
    verdict = judge(repo, case)
    f = found(verdict, rule)
    assert (f.path, f.line, f.tier, f.action) == (case.path, line, Tier.HIGH,
                                                  Action.ANNOTATE)
    assert not verdict.blocked, verdict.reasons
    assert verdict.tier >= Tier.HIGH
    assert topics(verdict) & {"settings", "password", "session"}


# The same settings where they are right, or in development and test settings.
UNCHANGED = [
    Case("django-test-settings", "mysite/settings/test.py", "",
         "DEBUG = True\nSESSION_COOKIE_SECURE = False\nAUTH_PASSWORD_VALIDATORS = []\n"),
    Case("django-dev-settings", "mysite/settings/dev.py", "",
         "DEBUG = True\nSESSION_COOKIE_AGE = 3600\nCORS_ALLOW_ALL_ORIGINS = True\n"
         "CORS_ALLOW_CREDENTIALS = True\n"),
    Case("express-secure", "src/app.js", "",
         "app.use(session({ cookie: { secure: true, httpOnly: true, sameSite: 'lax' } }))\n"),
    Case("rails-dev", "config/environments/development.rb", "",
         "Rails.application.configure do\n  config.force_ssl = false\n"
         "  config.consider_all_requests_local = true\nend\n"),
    Case("spring-listed-origins", "src/main/java/com/acme/Cors.java", "",
         "class Cors {\n  void add(CorsRegistry r) {\n"
         "    r.addMapping(\"/**\").allowedOrigins(\"https://app.example.com\")"
         ".allowCredentials(true);\n  }\n}\n"),
    Case("go-non-cookie-secure", "internal/dial.go", "",
         "package internal\n\nvar opts = Options{Secure: false, Retries: 3}\n"),
]


@pytest.mark.parametrize("case", UNCHANGED, ids=[c.id for c in UNCHANGED])
def test_safe_or_development_settings_raise_no_settings_finding(repo: Repo,
                                                                case: Case) -> None:
    verdict = judge(repo, case)
    # (An origin allowlist still routes high by identity.settings.redirect-hosts.)
    assert not [r for r in rule_ids(verdict) if r.startswith("identity.settings.")
                and r not in ("identity.settings.auth", "identity.settings.redirect-hosts")
                ], verdict.reasons
    assert not verdict.blocked


def test_a_weak_hasher_put_first_in_production_settings_is_found(repo: Repo) -> None:
    verdict = judge(repo, Case(
        "hasher", "mysite/settings.py",
        "PASSWORD_HASHERS = [\n    'django.contrib.auth.hashers.PBKDF2PasswordHasher',\n]\n",
        "PASSWORD_HASHERS = [\n    'django.contrib.auth.hashers.MD5PasswordHasher',\n"
        "    'django.contrib.auth.hashers.PBKDF2PasswordHasher',\n]\n"))
    f = found(verdict, "identity.password.hasher-downgrade")
    assert f.line == 2 and f.tier is Tier.CRITICAL
    assert "hashing not downgraded" in {i.item for i in verdict.checklist}


def test_redirect_allowlists_in_settings_route_high(repo: Repo) -> None:
    verdict = judge(repo, Case(
        "redirect-hosts", "mysite/settings.py", "SOCIAL_AUTH_ALLOWED_REDIRECT_HOSTS = []\n",
        "SOCIAL_AUTH_ALLOWED_REDIRECT_HOSTS = ['partner.example.com']\n"))
    f = found(verdict, "identity.settings.redirect-hosts")
    assert f.tier is Tier.HIGH and not verdict.blocked
    assert "foreign redirect targets rejected" in {i.item for i in verdict.checklist}
