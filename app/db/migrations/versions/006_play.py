"""The game service: its per-game records, ladder ratings, and draws by agreement.

Revision ID: 006
Revises: 005
Create Date: 2026-12-07

Reviewed by hand. ``play_games`` keeps each game's service record (seats, kind,
clock) as JSON beside the engine state; ``player_ratings`` one Glicko-2 rating per
user and preset. ``game_history.end_reason`` accepts ``agreed_draw``: both players
agreed to a draw (the engine's ``agree_draw`` ending).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "006"
down_revision: str | None = "005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REASONS = (
    "points",
    "prizes",
    "no_creatures",
    "deck_out",
    "resignation",
    "timeout",
    "turn_limit",
    "abandoned",
)


def _reason_check(reasons: Sequence[str]) -> None:
    op.drop_constraint(op.f("ck_game_history_end_reason"), "game_history", type_="check")
    listed = ", ".join(f"'{reason}'" for reason in reasons)
    op.create_check_constraint(
        op.f("ck_game_history_end_reason"), "game_history", f"end_reason IN ({listed})"
    )


def upgrade() -> None:
    op.create_table(
        "play_games",
        sa.Column("game_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("record", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "jsonb_typeof(record) = 'object'", name=op.f("ck_play_games_record_is_object")
        ),
        sa.PrimaryKeyConstraint("game_id", name=op.f("pk_play_games")),
    )
    op.create_table(
        "player_ratings",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("preset", sa.String(length=32), nullable=False),
        sa.Column("rating", sa.Float(), nullable=False),
        sa.Column("rd", sa.Float(), nullable=False),
        sa.Column("volatility", sa.Float(), nullable=False),
        sa.Column("games", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("rd > 0", name=op.f("ck_player_ratings_rd_positive")),
        sa.CheckConstraint("volatility > 0", name=op.f("ck_player_ratings_volatility_positive")),
        sa.CheckConstraint("games >= 0", name=op.f("ck_player_ratings_games_non_negative")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_player_ratings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "preset", name=op.f("pk_player_ratings")),
    )
    _reason_check((*_REASONS, "agreed_draw"))


def downgrade() -> None:
    op.execute("DELETE FROM game_history WHERE end_reason = 'agreed_draw'")
    _reason_check(_REASONS)
    op.drop_table("player_ratings")
    op.drop_table("play_games")
