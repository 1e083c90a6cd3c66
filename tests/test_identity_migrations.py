"""Migrations that bypass revocation (issue 12): dropping what revocation reads
(revoked_at, a token denylist or blacklist, the sessions table, a token version or jti)
lets revoked tokens and ended sessions work again, and blocks; so does storing a
credential in clear (identity.data.plaintext-credential). Other identity-column changes
annotate (identity.migration.column-*), and so does a drop whose replacement the same
migration creates just before. Rollback sections are not read. Real git, each
migration framework's own shape."""

from __future__ import annotations

import pytest

from testing import Repo
from testing.staged import Action, Case, Tier, found, judge

REVOCATION = "revocation intact"

BLOCKS = [
    (Case("django-column", "app/migrations/0042_remove_accesstoken_revoked_at.py", "",
          "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
          "    operations = [\n        migrations.RemoveField(\n"
          "            model_name='accesstoken',\n            name='revoked_at',\n        ),\n"
          "    ]\n"),
     "identity.migration.revocation-dropped", 6),
    (Case("django-blacklist-table", "app/migrations/0043_delete_blacklistedtoken.py", "",
          "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
          "    operations = [\n        migrations.DeleteModel(\n"
          "            name='BlacklistedToken',\n        ),\n    ]\n"),
     "identity.migration.revocation-dropped", 6),
    (Case("alembic-denylist", "alembic/versions/3f2a_drop_denylist.py", "",
          "def upgrade():\n    op.drop_table('token_denylist')\n\n\n"
          "def downgrade():\n"
          "    op.create_table('token_denylist', sa.Column('jti', sa.String(36)))\n"),
     "identity.migration.revocation-dropped", 2),
    (Case("rails-sessions", "db/migrate/20261201000000_drop_sessions.rb", "",
          "class DropSessions < ActiveRecord::Migration[7.1]\n  def change\n"
          "    drop_table :sessions\n  end\nend\n"),
     "identity.migration.revocation-dropped", 3),
    (Case("flyway-sql", "db/migration/V7__drop_revoked.sql", "",
          "ALTER TABLE refresh_tokens DROP COLUMN revoked;\n"),
     "identity.migration.revocation-dropped", 1),
    (Case("django-plaintext", "app/migrations/0044_user_plain_password.py", "",
          "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
          "    operations = [\n        migrations.AddField(model_name='user', "
          "name='plain_password', field=models.CharField(max_length=128)),\n    ]\n"),
     "identity.data.plaintext-credential", 6),
]


@pytest.mark.parametrize(("case", "rule", "line"), BLOCKS, ids=[c.id for c, _, _ in BLOCKS])
def test_a_migration_that_bypasses_revocation_or_stores_plaintext_blocks(
        repo: Repo, case: Case, rule: str, line: int) -> None:
    verdict = judge(repo, case)
    f = found(verdict, rule)
    assert (f.path, f.line, f.tier, f.action) == (case.path, line, Tier.CRITICAL, Action.BLOCK)
    assert verdict.blocked
    assert REVOCATION in {i.item for i in verdict.checklist}


# What annotates or stays silent: a replacement created first, a rollback section, a
# table that is no login session, an identity column that is not revocation state.
ANNOTATES = [
    Case("django-replacement", "app/migrations/0045_move_revocation.py", "",
         "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
         "    operations = [\n        migrations.AddField(model_name='token', name='revoked_on', "
         "field=models.DateTimeField(null=True)),\n        migrations.RemoveField(\n"
         "            model_name='token',\n            name='revoked_at',\n        ),\n    ]\n"),
    Case("alembic-downgrade-only", "alembic/versions/9c1d_revocation_table.py", "",
         "def upgrade():\n"
         "    op.create_table('revoked_token', sa.Column('jti', sa.String(36)))\n\n\n"
         "def downgrade():\n    op.drop_table('revoked_token')\n"),
    Case("rails-checkout-sessions", "db/migrate/20261201000001_drop_checkout_sessions.rb", "",
         "class DropCheckoutSessions < ActiveRecord::Migration[7.1]\n  def change\n"
         "    drop_table :checkout_sessions\n  end\nend\n"),
    Case("rails-otp-column", "db/migrate/20261201000002_drop_otp.rb", "",
         "class DropOtp < ActiveRecord::Migration[7.1]\n  def change\n"
         "    remove_column :users, :otp_secret\n  end\nend\n"),
    Case("ef-core-nickname", "Migrations/20261201_DropNick.cs", "",
         "public partial class DropNick : Migration {\n"
         "    protected override void Up(MigrationBuilder b) {\n"
         "        b.DropColumn(name: \"Nickname\", table: \"Users\");\n    }\n}\n"),
]


@pytest.mark.parametrize("case", ANNOTATES, ids=[c.id for c in ANNOTATES])
def test_other_migration_changes_do_not_block(repo: Repo, case: Case) -> None:
    verdict = judge(repo, case)
    assert not verdict.blocked, verdict.reasons
    for f in verdict.findings:
        if f.rule_id == "identity.migration.revocation-dropped":
            assert (f.tier, f.action) == (Tier.HIGH, Action.ANNOTATE)
            assert "creates a replacement" in f.message


def test_an_identity_column_dropped_annotates_at_critical(repo: Repo) -> None:
    verdict = judge(repo, ANNOTATES[3])
    f = found(verdict, "identity.migration.column-dropped")
    assert (f.tier, f.action) == (Tier.CRITICAL, Action.ANNOTATE)
    assert {"identity data preserved", REVOCATION} <= {i.item for i in verdict.checklist}


def test_the_blocked_migration_says_why_end_to_end(repo: Repo) -> None:
    case = BLOCKS[0][0]
    repo.write("README.md", "# app\n")
    repo.add()
    repo.commit("base")
    repo.write(case.path, case.after)
    repo.add(case.path)
    proc = repo.authgate("check", "--only", "identity")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (f"{case.path}:6: identity.migration.revocation-dropped: migration drops "
            "revocation state at line 6: RemoveField(") in proc.stdout
    assert any(line.startswith(f"    [ ] migration: {REVOCATION} ({case.path}:6")
               for line in proc.stdout.splitlines()), proc.stdout
