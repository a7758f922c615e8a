"""A write counter PostgreSQL keeps for the game store, so a restore from an older backup shows.

Revision ID: 005
Revises: 002
Create Date: 2026-12-06

Reviewed by hand. Every write of a game to PostgreSQL (a persisted turn, the end
of a game) draws ``nextval('store_write_seq')`` and Redis remembers the highest
value drawn. A sequence never goes back in normal operation (not on rollback,
not on crash recovery: it is WAL-logged ahead of use), but ``pg_dump`` /
``pg_restore`` and point-in-time recovery bring back the value it had then, so
PostgreSQL's value below Redis's mark means PostgreSQL came back older (see
``app/store/restore.py``). A sequence takes no row lock: persists of different
games never wait on each other for it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "005"
down_revision: str | None = "004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SEQUENCE store_write_seq AS bigint")


def downgrade() -> None:
    op.execute("DROP SEQUENCE store_write_seq")
