"""Accounts: identities, sign-in sessions, guests, unique display names.

Revision ID: 003
Revises: 002
Create Date: 2026-12-06

Reviewed by hand. How a user signs in moves from ``users.oauth_provider`` /
``oauth_id`` to ``identities`` (one row per linked provider), so a user may
have several sign-in methods or none (a guest): every existing user gets one
identity with the same provider, subject and e-mail, then the two columns go.
``users.email`` becomes nullable (guests have none). ``display_name_key`` (the
case-folded name, unique) is filled with ``lower(display_name)``; where two
existing users share a name, every one but the oldest gets ``#`` and the start
of its id appended to both, so no row is refused and the oldest keeps its name.

Downgrade: users without an identity (guests, and players who unlinked
everything but a dev sign-in) cannot be represented in 002's NOT NULL columns
and are deleted with their rows; every other user gets back its oldest identity.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "003"
down_revision: str | None = "002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROVIDERS_002 = ("google", "discord")
_PROVIDERS_003 = ("google", "discord", "dev")


def _provider_enum(values: Sequence[str]) -> sa.Enum:
    return sa.Enum(
        *values, name="oauth_provider", native_enum=False, create_constraint=True, length=32
    )


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "identities",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("provider", _provider_enum(_PROVIDERS_003), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identities")),
        sa.UniqueConstraint("provider", "subject", name=op.f("uq_identities_provider_subject")),
        sa.UniqueConstraint("user_id", "provider", name=op.f("uq_identities_user_id_provider")),
    )
    op.create_index(op.f("ix_identities_user_id"), "identities", ["user_id"], unique=False)
    op.execute(
        "INSERT INTO identities (user_id, provider, subject, email, created_at, updated_at) "
        "SELECT id, oauth_provider, oauth_id, email, created_at, updated_at FROM users"
    )
    op.drop_constraint(op.f("uq_users_oauth_provider_oauth_id"), "users", type_="unique")
    op.drop_constraint(op.f("ck_users_oauth_provider"), "users", type_="check")
    op.drop_column("users", "oauth_provider")
    op.drop_column("users", "oauth_id")
    op.alter_column("users", "email", existing_type=sa.String(length=320), nullable=True)
    op.add_column(
        "users",
        sa.Column("is_guest", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column("users", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_users_last_seen_at"), "users", ["last_seen_at"], unique=False)
    op.add_column("users", sa.Column("display_name_key", sa.String(length=64), nullable=True))
    op.execute(
        "WITH ranked AS ("
        " SELECT id, row_number() OVER ("
        "  PARTITION BY lower(display_name) ORDER BY created_at, id) AS n FROM users)"
        " UPDATE users"
        " SET display_name = left(users.display_name, 55) || '#' || left(users.id::text, 8)"
        " FROM ranked WHERE ranked.id = users.id AND ranked.n > 1"
    )
    op.execute("UPDATE users SET display_name_key = lower(display_name)")
    op.alter_column("users", "display_name_key", nullable=False)
    op.create_unique_constraint(op.f("uq_users_display_name_key"), "users", ["display_name_key"])

    op.create_table(
        "sessions",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("refresh_token_hash", sa.LargeBinary(), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_used_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "octet_length(refresh_token_hash) = 32", name=op.f("ck_sessions_hash_length")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("refresh_token_hash", name=op.f("uq_sessions_refresh_token_hash")),
    )
    op.create_index(op.f("ix_sessions_family_id"), "sessions", ["family_id"], unique=False)
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_family_id"), table_name="sessions")
    op.drop_table("sessions")

    op.drop_constraint(op.f("uq_users_display_name_key"), "users", type_="unique")
    op.drop_column("users", "display_name_key")
    op.drop_index(op.f("ix_users_last_seen_at"), table_name="users")
    op.drop_column("users", "last_seen_at")
    op.drop_column("users", "is_guest")

    op.add_column("users", sa.Column("oauth_provider", _provider_enum(_PROVIDERS_002)))
    op.add_column("users", sa.Column("oauth_id", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE users SET oauth_provider = first.provider, oauth_id = first.subject,"
        " email = coalesce(users.email, first.email, '') FROM ("
        "  SELECT DISTINCT ON (user_id) user_id, provider, subject, email FROM identities"
        "  WHERE provider IN ('google', 'discord') ORDER BY user_id, created_at, id) AS first"
        " WHERE first.user_id = users.id"
    )
    op.execute("DELETE FROM users WHERE oauth_id IS NULL")
    op.alter_column("users", "oauth_provider", nullable=False)
    op.alter_column("users", "oauth_id", nullable=False)
    op.alter_column("users", "email", existing_type=sa.String(length=320), nullable=False)
    op.create_unique_constraint(
        op.f("uq_users_oauth_provider_oauth_id"), "users", ["oauth_provider", "oauth_id"]
    )

    op.drop_index(op.f("ix_identities_user_id"), table_name="identities")
    op.drop_table("identities")
