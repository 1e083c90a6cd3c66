"""detect-secrets over the added lines of a change, with detect-secrets' own semantics.

detect-secrets scans whole files; authgate hands it only the added lines, so the cost of
a commit grows with what it adds, not with the size of the files it touches. What
detect-secrets would see of those lines is rebuilt here:

- its plugins and filters, configured exactly as `detect-secrets-hook` configures them:
  all built-in plugins with the default filters, or the `plugins_used` and
  `filters_used` of a `.secrets.baseline` (detect-secrets' own only: an entry that
  names code or a file to read is refused); never network verification;
- `pragma: allowlist secret` on the line, and `pragma: allowlist nextline secret` on the
  line above (a context line of the diff, or an added one);
- its file transformers: YAML values and INI/`.env` assignments are re-quoted
  (`key: "value"`) before the plugins run, so an unquoted `TOKEN=8f14e45f...` in a
  `.env` file is found as it is by `detect-secrets scan`. Each line is scanned as it
  is and as transformed, and the findings are united: authgate reports at least what
  detect-secrets reports on the same lines (tests/test_secrets_parity.py);
- a baseline: a finding whose (file, type, hashed secret) is in it passes.

What a finding is worth (a credential, uncertain, or no secret at all) is judged by
`judge`; checks/leaks/ grades that by where the line sits.

detect-secrets is imported only when some added line could hold a secret: `prefilter`
is one regular expression assembled from what each enabled plugin cannot match without
(its literal prefixes, keywords, minimum quoted-run lengths), so it never drops a line
a plugin would report (proved on the corpus by tests/test_secrets_prefilter.py).

The package, by seam: `baseline` (the `.secrets.baseline` a change holds),
`transformers` (what detect-secrets would see of a line), `gate` (the plugin table
and the prefilter), `engine` (candidate lines and `scan`, the only place that touches
detect-secrets), `judgement` (what a finding is worth).
"""

from __future__ import annotations

from authgate.checks.secrets.baseline import (
    Baseline,
    baseline_text,
    parse_baseline,
)
from authgate.checks.secrets.engine import (
    Candidate,
    SecretHit,
    candidates,
    scan,
    scan_files,
    transformer,
)
from authgate.checks.secrets.gate import (
    _NEEDS,
    BUILTIN_PLUGINS,
    DEFAULT_LIMITS,
    Gate,
    prefilter,
)
from authgate.checks.secrets.judgement import (
    CREDENTIAL,
    ENTROPY_PLUGINS,
    GIBBERISH_LIMIT,
    LOCK_FILES,
    NONE,
    PLACEHOLDER_WORDS,
    PROVIDER_PLUGINS,
    UNCERTAIN,
    Judgement,
    entropy,
    gibberish_score,
    has_key_body,
    is_placeholder,
    judge,
    judge_jwt,
    name_before,
    reads_as_words,
    secret_name,
    value_kind,
    words,
)
from authgate.checks.secrets.transformers import (
    View,
    ini_view,
    transformer_of,
    views,
    yaml_view,
)

__all__ = [
    "BUILTIN_PLUGINS",
    "CREDENTIAL",
    "DEFAULT_LIMITS",
    "ENTROPY_PLUGINS",
    "GIBBERISH_LIMIT",
    "LOCK_FILES",
    "NONE",
    "PLACEHOLDER_WORDS",
    "PROVIDER_PLUGINS",
    "UNCERTAIN",
    "_NEEDS",
    "Baseline",
    "Candidate",
    "Gate",
    "Judgement",
    "SecretHit",
    "View",
    "baseline_text",
    "candidates",
    "entropy",
    "gibberish_score",
    "has_key_body",
    "ini_view",
    "is_placeholder",
    "judge",
    "judge_jwt",
    "name_before",
    "parse_baseline",
    "prefilter",
    "reads_as_words",
    "scan",
    "scan_files",
    "secret_name",
    "transformer",
    "transformer_of",
    "value_kind",
    "views",
    "words",
    "yaml_view",
]
