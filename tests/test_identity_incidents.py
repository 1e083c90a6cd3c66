"""Changes modelled on real one-line auth incidents, each caught by the rule that
names the mistake (and only that pattern rule), with the action it deserves."""

from __future__ import annotations

from authgate.changes import FileChange
from authgate.findings import Action, Tier

from testing.identity import added, check, fc, rules


def patterns(*files: FileChange) -> list[tuple[str, int | None, Action]]:
    """Findings of pattern rules (not tiers, not the test reminder): rule, line, action."""
    kinds = {r.id: r.kind for r in rules()}
    return [(f.rule_id, f.line, f.action) for f in check(*files)
            if kinds[f.rule_id] in ("line", "window")]


def test_pyjwt_algorithm_confusion_cve_2022_29217() -> None:
    # The vulnerable use: every algorithm allowed while verifying with a public key,
    # so an attacker signs with HMAC using the public key as the secret.
    change = added("app/oidc/verify.py",
                   "def verify(token, public_pem):",
                   "    return jwt.decode(",
                   "        token,",
                   "        public_pem,",
                   "        algorithms=jwt.algorithms.get_default_algorithms(),",
                   "    )")
    assert patterns(change) == [("identity.jwt.algorithm-confusion", 5, Action.BLOCK)]


def test_jsonwebtoken_verify_without_algorithms_cve_2022_23540() -> None:
    change = added("src/middleware/auth.js",
                   "module.exports = (req, res, next) => {",
                   "  const token = req.headers.authorization.split(' ')[1]",
                   "  req.user = jwt.verify(token, process.env.JWT_KEY)",
                   "  next()",
                   "}")
    assert patterns(change) == [("identity.jwt.algorithms-missing", 3, Action.ANNOTATE)]


def test_express_jwt_without_algorithms_cve_2020_15084() -> None:
    change = added("server.js",
                   "const jwt = require('express-jwt')",
                   "app.use(jwt({",
                   "  secret: jwksRsa.expressJwtSecret({ jwksUri: JWKS_URI }),",
                   "  audience: 'api',",
                   "}))")
    assert patterns(change) == [("identity.jwt.algorithms-missing", 2, Action.ANNOTATE)]


def test_jjwt_parse_instead_of_parse_claims_jws_cve_2021_29451() -> None:
    change = fc("src/main/java/com/acme/security/JwtService.java",
                "@@ -40,4 +40,4 @@\n"
                "     public Claims claims(String token) {\n"
                "         return Jwts.parser()\n"
                "             .setSigningKey(signingKey)\n"
                "-            .parseClaimsJws(token)\n"
                "+            .parse(token)\n")
    assert patterns(change) == [("identity.jwt.unsigned-parse", 43, Action.BLOCK)]


def test_verify_false_in_requests_cve_2024_35195() -> None:
    change = added("app/idp/client.py",
                   "session = requests.Session()",
                   "resp = session.get(JWKS_URL, verify=False, timeout=5)")
    assert patterns(change) == [("identity.tls.verification-disabled", 2, Action.BLOCK)]


def test_verify_false_in_pyjwt_is_signature_verification_not_tls() -> None:
    change = added("app/core/claims.py", "claims = jwt.decode(token, key, verify=False)")
    assert patterns(change) == [("identity.jwt.verification-disabled", 1, Action.BLOCK)]


def test_session_not_regenerated_on_login_cve_2022_25896() -> None:
    # passport before 0.6 kept the session id across req.login: session fixation.
    change = added("routes/login.js",
                   "router.post('/login', async (req, res) => {",
                   "  const user = await users.check(req.body.username, req.body.password)",
                   "  req.login(user, (err) => res.redirect('/'))",
                   "})")
    # An absence check needs dataflow: reported for audit, never a blocker.
    assert patterns(change) == [("identity.session.not-regenerated", 3, Action.WARN)]
    fixed = added("routes/login.js",
                  "  req.session.regenerate((err) => {",
                  "    req.login(user, (err) => res.redirect('/'))",
                  "  })")
    assert patterns(fixed) == []


def test_default_secret_key_shipped_in_config_cve_2023_27524() -> None:
    change = added("superset_config.py", "SECRET_KEY = 'CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET'")
    (f,) = [f for f in check(change) if f.rule_id == "identity.secret-key.hardcoded"]
    assert (f.line, f.action, f.tier) == (1, Action.BLOCK, Tier.CRITICAL)
    assert "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET" not in f.evidence + f.message
    assert f.message.startswith("signing secret SECRET_KEY set to a literal at line 1")
