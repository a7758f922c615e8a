"""Collections and decks for players: an audit ledger, the starter choice, deck versions and modes.

Revision ID: 004
Revises: 003
Create Date: 2026-12-06

Reviewed by hand. ``collection_ledger`` records every change of a card quantity
with its source (append-only; deleted with the user). ``starter_choices`` holds
at most one row per user, so choosing a starter deck twice, even from two
requests at once, grants its cards once. ``decks`` gains ``version`` (optimistic
locking: existing decks start at 1), ``rules_preset`` and ``mode`` (existing
decks are ``mantimon`` free-play decks, which is how they were validated).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "004"
down_revision: str | None = "003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CARD_SOURCES = ("starter", "booster", "reward", "purchase")


def _str_enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade() -> None:
    op.create_table(
        "collection_ledger",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("card_definition_id", sa.String(length=64), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("quantity_after", sa.Integer(), nullable=False),
        sa.Column("source", _str_enum("card_source", *_CARD_SOURCES), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("delta <> 0", name=op.f("ck_collection_ledger_delta_non_zero")),
        sa.CheckConstraint(
            "quantity_after >= 0", name=op.f("ck_collection_ledger_quantity_after_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_collection_ledger_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_ledger")),
    )
    op.create_index(
        op.f("ix_collection_ledger_user_id"),
        "collection_ledger",
        ["user_id", "card_definition_id"],
        unique=False,
    )
    op.create_table(
        "starter_choices",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("starter_type", sa.String(length=32), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_starter_choices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_starter_choices")),
    )
    op.add_column(
        "decks", sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
    )
    op.add_column(
        "decks",
        sa.Column(
            "rules_preset",
            _str_enum("rules_preset", "mantimon", "pocket", "classic"),
            server_default="mantimon",
            nullable=False,
        ),
    )
    op.add_column(
        "decks",
        sa.Column(
            "mode",
            _str_enum("deck_mode", "freeplay", "campaign"),
            server_default="freeplay",
            nullable=False,
        ),
    )
    op.create_check_constraint(op.f("ck_decks_version_positive"), "decks", "version >= 1")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_decks_version_positive"), "decks", type_="check")
    op.drop_constraint(op.f("ck_decks_deck_mode"), "decks", type_="check")
    op.drop_column("decks", "mode")
    op.drop_constraint(op.f("ck_decks_rules_preset"), "decks", type_="check")
    op.drop_column("decks", "rules_preset")
    op.drop_column("decks", "version")
    op.drop_table("starter_choices")
    op.drop_index(op.f("ix_collection_ledger_user_id"), table_name="collection_ledger")
    op.drop_table("collection_ledger")
