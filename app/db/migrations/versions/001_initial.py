"""Initial schema: users, collections, decks, campaign progress, active games, game history.

Revision ID: 001
Revises:
Create Date: 2026-11-26

Reviewed by hand. Enums are VARCHAR(32) columns with named CHECK constraints
(``ck_<table>_<enum>``), not native PostgreSQL types: adding a value later is a
constraint swap in a normal transaction, and the downgrade leaves no type
behind. Foreign keys: a user's collection, decks and campaign are deleted with
the user (CASCADE); games and history keep their rows (SET NULL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("avatar_url", sa.String(length=2048), nullable=True),
        sa.Column(
            "oauth_provider",
            sa.Enum(
                "google",
                "discord",
                name="oauth_provider",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("oauth_id", sa.String(length=255), nullable=False),
        sa.Column("is_premium", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("premium_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login", sa.DateTime(timezone=True), nullable=True),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint(
            "oauth_provider", "oauth_id", name=op.f("uq_users_oauth_provider_oauth_id")
        ),
    )
    op.create_index(op.f("ix_users_email"), "users", ["email"], unique=False)
    op.create_table(
        "active_games",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "game_type",
            sa.Enum(
                "campaign",
                "freeplay",
                "ranked",
                name="game_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("player1_id", sa.Uuid(), nullable=True),
        sa.Column("player2_id", sa.Uuid(), nullable=True),
        sa.Column("npc_id", sa.String(length=64), nullable=True),
        sa.Column("rules_config", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("game_state", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("turn_number", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_action_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("turn_deadline", sa.DateTime(timezone=True), nullable=True),
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
        sa.CheckConstraint(
            "jsonb_typeof(game_state) = 'object'", name=op.f("ck_active_games_game_state_is_object")
        ),
        sa.CheckConstraint(
            "jsonb_typeof(rules_config) = 'object'",
            name=op.f("ck_active_games_rules_config_is_object"),
        ),
        sa.CheckConstraint(
            "turn_number >= 0", name=op.f("ck_active_games_turn_number_non_negative")
        ),
        sa.CheckConstraint("version >= 0", name=op.f("ck_active_games_version_non_negative")),
        sa.ForeignKeyConstraint(
            ["player1_id"],
            ["users.id"],
            name=op.f("fk_active_games_player1_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["player2_id"],
            ["users.id"],
            name=op.f("fk_active_games_player2_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_active_games")),
    )
    op.create_index(
        op.f("ix_active_games_player1_id"), "active_games", ["player1_id"], unique=False
    )
    op.create_index(
        op.f("ix_active_games_player2_id"), "active_games", ["player2_id"], unique=False
    )
    op.create_table(
        "campaign_progress",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("current_club", sa.String(length=64), nullable=True),
        sa.Column(
            "medals",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column(
            "defeated_npcs",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'"),
            nullable=False,
        ),
        sa.Column("total_wins", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("total_losses", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("booster_packs", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("mantibucks", sa.Integer(), server_default=sa.text("0"), nullable=False),
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
        sa.CheckConstraint(
            "jsonb_typeof(defeated_npcs) = 'array'",
            name=op.f("ck_campaign_progress_defeated_npcs_is_array"),
        ),
        sa.CheckConstraint(
            "jsonb_typeof(medals) = 'array'", name=op.f("ck_campaign_progress_medals_is_array")
        ),
        sa.CheckConstraint(
            "booster_packs >= 0", name=op.f("ck_campaign_progress_booster_packs_non_negative")
        ),
        sa.CheckConstraint(
            "mantibucks >= 0", name=op.f("ck_campaign_progress_mantibucks_non_negative")
        ),
        sa.CheckConstraint(
            "total_losses >= 0", name=op.f("ck_campaign_progress_total_losses_non_negative")
        ),
        sa.CheckConstraint(
            "total_wins >= 0", name=op.f("ck_campaign_progress_total_wins_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_campaign_progress_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_progress")),
        sa.UniqueConstraint("user_id", name=op.f("uq_campaign_progress_user_id")),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("card_definition_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "starter",
                "booster",
                "reward",
                "purchase",
                name="card_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "obtained_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
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
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_collections_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_collections_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint(
            "user_id", "card_definition_id", name=op.f("uq_collections_user_id_card_definition_id")
        ),
    )
    op.create_index(op.f("ix_collections_user_id"), "collections", ["user_id"], unique=False)
    op.create_table(
        "decks",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "cards",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "energy_cards",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("is_valid", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("validation_errors", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("is_starter", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("starter_type", sa.String(length=32), nullable=True),
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
        sa.CheckConstraint("jsonb_typeof(cards) = 'object'", name=op.f("ck_decks_cards_is_object")),
        sa.CheckConstraint(
            "jsonb_typeof(energy_cards) = 'object'", name=op.f("ck_decks_energy_cards_is_object")
        ),
        sa.CheckConstraint(
            "validation_errors IS NULL OR jsonb_typeof(validation_errors) = 'array'",
            name=op.f("ck_decks_validation_errors_is_array"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_decks_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decks")),
    )
    op.create_index(op.f("ix_decks_user_id"), "decks", ["user_id"], unique=False)
    op.create_table(
        "game_history",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "game_type",
            sa.Enum(
                "campaign",
                "freeplay",
                "ranked",
                name="game_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("player1_id", sa.Uuid(), nullable=True),
        sa.Column("player2_id", sa.Uuid(), nullable=True),
        sa.Column("npc_id", sa.String(length=64), nullable=True),
        sa.Column("winner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "end_reason",
            sa.Enum(
                "points",
                "prizes",
                "no_creatures",
                "deck_out",
                "resignation",
                "timeout",
                "turn_limit",
                "abandoned",
                name="end_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("turn_count", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("replay_data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "played_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
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
        sa.CheckConstraint(
            "replay_data IS NULL OR jsonb_typeof(replay_data) = 'object'",
            name=op.f("ck_game_history_replay_data_is_object"),
        ),
        sa.CheckConstraint(
            "duration_seconds >= 0", name=op.f("ck_game_history_duration_seconds_non_negative")
        ),
        sa.CheckConstraint("turn_count >= 0", name=op.f("ck_game_history_turn_count_non_negative")),
        sa.ForeignKeyConstraint(
            ["player1_id"],
            ["users.id"],
            name=op.f("fk_game_history_player1_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["player2_id"],
            ["users.id"],
            name=op.f("fk_game_history_player2_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["winner_id"],
            ["users.id"],
            name=op.f("fk_game_history_winner_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_game_history")),
    )
    op.create_index(
        "ix_game_history_game_type_played_at",
        "game_history",
        ["game_type", "played_at"],
        unique=False,
    )
    op.create_index(
        "ix_game_history_player1_id_played_at",
        "game_history",
        ["player1_id", "played_at"],
        unique=False,
    )
    op.create_index(
        "ix_game_history_player2_id_played_at",
        "game_history",
        ["player2_id", "played_at"],
        unique=False,
    )
    op.create_index(
        "ix_game_history_winner_id_played_at",
        "game_history",
        ["winner_id", "played_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_game_history_winner_id_played_at", table_name="game_history")
    op.drop_index("ix_game_history_player2_id_played_at", table_name="game_history")
    op.drop_index("ix_game_history_player1_id_played_at", table_name="game_history")
    op.drop_index("ix_game_history_game_type_played_at", table_name="game_history")
    op.drop_table("game_history")
    op.drop_index(op.f("ix_decks_user_id"), table_name="decks")
    op.drop_table("decks")
    op.drop_index(op.f("ix_collections_user_id"), table_name="collections")
    op.drop_table("collections")
    op.drop_table("campaign_progress")
    op.drop_index(op.f("ix_active_games_player2_id"), table_name="active_games")
    op.drop_index(op.f("ix_active_games_player1_id"), table_name="active_games")
    op.drop_table("active_games")
    op.drop_index(op.f("ix_users_email"), table_name="users")
    op.drop_table("users")
