"""`authgate verify`'s logic: each commit of a range recomputed and held to its
trailers (`claims`), the range read, judged and summed up (`range`). The command
(commands/verify.py) only wires these to the arguments and the reports."""

from __future__ import annotations

from authgate.verification.claims import (
    AI_REMOVED,
    APPROVAL,
    LANDED,
    MISSING,
    RULES,
    TREE,
    WEAKER,
    Checked,
    approval,
    compare,
    fingerprint,
    finish,
    judge,
    problem,
    rewrites,
)
from authgate.verification.range import (
    PARALLEL_MIN_COMMITS,
    TITLE,
    Progress,
    adoption_point,
    after,
    comment_char,
    interesting,
    judge_range,
    policy_base,
    restamp,
    summary,
    trusted_config,
)

__all__ = [
    "AI_REMOVED",
    "APPROVAL",
    "LANDED",
    "MISSING",
    "PARALLEL_MIN_COMMITS",
    "RULES",
    "TITLE",
    "TREE",
    "WEAKER",
    "Checked",
    "Progress",
    "adoption_point",
    "after",
    "approval",
    "comment_char",
    "compare",
    "fingerprint",
    "finish",
    "interesting",
    "judge",
    "judge_range",
    "policy_base",
    "problem",
    "restamp",
    "rewrites",
    "summary",
    "trusted_config",
]
