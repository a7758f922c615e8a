"""Lineage digest of active games: PostgreSQL refuses a state that does not descend from its own.

Revision ID: 002
Revises: 001
Create Date: 2026-11-26

Reviewed by hand. ``active_games.lineage_digest`` holds the head of the stored
state's hash chain over its action log (16 bytes, BLAKE2b-128; see
``app/store/lineage.py``). The column is nullable and existing rows
keep NULL, which the upsert treats as "not recorded": their next persist is
accepted on its version alone and records the digest. Computing digests here
would tie this migration to today's Python code; NULL is always correct.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "002"
down_revision: str | None = "001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("active_games", sa.Column("lineage_digest", sa.LargeBinary(), nullable=True))
    op.create_check_constraint(
        op.f("ck_active_games_lineage_digest_length"),
        "active_games",
        "octet_length(lineage_digest) = 16",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_active_games_lineage_digest_length"), "active_games", type_="check")
    op.drop_column("active_games", "lineage_digest")
