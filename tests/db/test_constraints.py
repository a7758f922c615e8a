"""Every unique, check and foreign-key constraint, violated once, and the ON DELETE rules.

Each violation must surface as SQLAlchemy's IntegrityError carrying the
PostgreSQL SQLSTATE of its kind and the constraint's stable name.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.enums import CardSource
from app.db.models import (
    ActiveGame,
    CampaignProgress,
    Collection,
    CollectionLedgerEntry,
    Deck,
    GameHistory,
    Identity,
    StarterChoice,
    User,
)
from tests.db.factories import (
    add_user,
    new_active_game,
    new_campaign,
    new_collection,
    new_deck,
    new_history,
    new_identity,
    new_user,
)

UNIQUE, CHECK, FOREIGN_KEY = "23505", "23514", "23503"

Violation = Callable[[AsyncSession, User], Awaitable[None]]


async def _add(session: AsyncSession, *rows: Any) -> None:
    session.add_all(rows)
    await session.flush()


async def _raw(session: AsyncSession, sql: str, **params: Any) -> None:
    """Bypass the ORM's own enum validation so the database's CHECK is what answers."""
    await session.execute(text(sql), params)


async def _dup_identity(session: AsyncSession, user: User) -> None:
    first = new_identity(user)
    await _add(session, first)
    twin = await add_user(session)
    await _add(session, new_identity(twin, provider=first.provider, subject=first.subject))


def _second_identity_same_provider(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_identity(user), new_identity(user))


def _bad_provider(session: AsyncSession, user: User) -> Awaitable[None]:
    return _raw(
        session,
        "INSERT INTO identities (user_id, provider, subject) VALUES (:uid, 'myspace', :sub)",
        uid=user.id,
        sub=uuid.uuid4().hex,
    )


def _same_name_other_case(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_user(display_name=user.display_name.upper()))


def _orphan_identity(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_identity(user, user_id=uuid.uuid4()))


def _session_sql(user_id: object, token_hash: str = "\\x" + "00" * 32) -> str:
    return (
        "INSERT INTO sessions (user_id, family_id, refresh_token_hash, signed_in_at, expires_at)"
        f" VALUES ('{user_id}', gen_random_uuid(), '{token_hash}', now(), now())"
    )


def _orphan_session(session: AsyncSession, user: User) -> Awaitable[None]:
    return _raw(session, _session_sql(uuid.uuid4()))


async def _dup_refresh_hash(session: AsyncSession, user: User) -> None:
    await _raw(session, _session_sql(user.id))
    await _raw(session, _session_sql(user.id))


def _short_refresh_hash(session: AsyncSession, user: User) -> Awaitable[None]:
    return _raw(
        session,
        "INSERT INTO sessions (user_id, family_id, refresh_token_hash, signed_in_at, expires_at)"
        " VALUES (:uid, gen_random_uuid(), '\\x00', now(), now())",
        uid=user.id,
    )


def _dup_collection(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_collection(user), new_collection(user))


def _zero_quantity(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_collection(user, quantity=0))


def _bad_source(session: AsyncSession, user: User) -> Awaitable[None]:
    return _raw(
        session,
        "INSERT INTO collections (user_id, card_definition_id, quantity, source) "
        "VALUES (:uid, 'a1-001', 1, 'stolen')",
        uid=user.id,
    )


def _orphan_collection(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_collection(user, user_id=uuid.uuid4()))


def _deck_cards_list(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_deck(user, cards=["a1-001"]))


def _deck_energy_scalar(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_deck(user, energy_cards=20))


def _deck_errors_object(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_deck(user, validation_errors={"error": "x"}))


def _orphan_deck(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_deck(user, user_id=uuid.uuid4()))


def _ledger_row(user_id: uuid.UUID, **overrides: Any) -> CollectionLedgerEntry:
    values: dict[str, Any] = {
        "user_id": user_id,
        "card_definition_id": "a1-001",
        "delta": 1,
        "quantity_after": 1,
        "source": CardSource.BOOSTER,
    }
    return CollectionLedgerEntry(**(values | overrides))


def _ledger_zero_delta(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, _ledger_row(user.id, delta=0))


def _ledger_negative_quantity(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, _ledger_row(user.id, delta=-1, quantity_after=-1))


def _ledger_bad_source(session: AsyncSession, user: User) -> Awaitable[None]:
    return _raw(
        session,
        "INSERT INTO collection_ledger (user_id, card_definition_id, delta, quantity_after, "
        "source) VALUES (:uid, 'a1-001', 1, 1, 'stolen')",
        uid=user.id,
    )


def _orphan_ledger(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, _ledger_row(uuid.uuid4()))


def _second_starter(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(
        session,
        StarterChoice(user_id=user.id, starter_type="fire"),
        StarterChoice(user_id=user.id, starter_type="water"),
    )


def _orphan_starter(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, StarterChoice(user_id=uuid.uuid4(), starter_type="fire"))


def _deck_raw(column: str, value: str) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        return _raw(
            session,
            f"INSERT INTO decks (user_id, name, {column}) VALUES (:uid, 'D', {value})",
            uid=user.id,
        )

    return violate


def _second_campaign(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_campaign(user), new_campaign(user))


def _negative_counter(column: str) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        return _add(session, new_campaign(user, **{column: -1}))

    return violate


def _campaign_medals_object(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_campaign(user, medals={"leaf": True}))


def _campaign_npcs_string(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_campaign(user, defeated_npcs="npc-1"))


def _orphan_campaign(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_campaign(user, user_id=uuid.uuid4()))


def _dup_active_game(session: AsyncSession, user: User) -> Awaitable[None]:
    game_id = uuid.uuid4()
    return _add(session, new_active_game(user, id=game_id), new_active_game(user, id=game_id))


def _active_negative(column: str) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        return _add(session, new_active_game(user, **{column: -1}))

    return violate


def _active_json_list(column: str) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        return _add(session, new_active_game(user, **{column: [1, 2]}))

    return violate


def _active_short_digest(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_active_game(user, lineage_digest=b"\x00" * 8))


def _active_bad_type(session: AsyncSession, user: User) -> Awaitable[None]:
    return _raw(
        session,
        "INSERT INTO active_games (id, game_type, rules_config, game_state) "
        "VALUES (:gid, 'tournament', '{}', '{}')",
        gid=uuid.uuid4(),
    )


def _active_orphan(column: str) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        return _add(session, new_active_game(user, **{column: uuid.uuid4()}))

    return violate


def _dup_history(session: AsyncSession, user: User) -> Awaitable[None]:
    game_id = uuid.uuid4()
    return _add(session, new_history(user, id=game_id), new_history(user, id=game_id))


def _history_negative(column: str) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        return _add(session, new_history(user, **{column: -5}))

    return violate


def _history_replay_list(session: AsyncSession, user: User) -> Awaitable[None]:
    return _add(session, new_history(user, replay_data=[{"type": "draw"}]))


def _history_raw(column: str, value: str) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        values = {"game_type": "ranked", "end_reason": "points"} | {column: value}
        return _raw(
            session,
            "INSERT INTO game_history (id, game_type, end_reason) VALUES (:gid, :gt, :er)",
            gid=uuid.uuid4(),
            gt=values["game_type"],
            er=values["end_reason"],
        )

    return violate


def _history_orphan(column: str) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        return _add(session, new_history(user, **{column: uuid.uuid4()}))

    return violate


def _rating(**overrides: object) -> Violation:
    def violate(session: AsyncSession, user: User) -> Awaitable[None]:
        values: dict[str, object] = {
            "uid": user.id,
            "rating": 1500.0,
            "rd": 350.0,
            "vol": 0.06,
            "games": 0,
        } | overrides
        return _raw(
            session,
            "INSERT INTO player_ratings (user_id, preset, rating, rd, volatility, games) "
            "VALUES (:uid, 'mantimon', :rating, :rd, :vol, :games)",
            **values,
        )

    return violate


def _play_record_list(session: AsyncSession, user: User) -> Awaitable[None]:
    return _raw(
        session,
        "INSERT INTO play_games (game_id, status, record) VALUES (:gid, 'active', '[]'::jsonb)",
        gid=uuid.uuid4(),
    )


CASES: list[tuple[str, str, Violation]] = [
    ("uq_identities_provider_subject", UNIQUE, _dup_identity),
    ("uq_identities_user_id_provider", UNIQUE, _second_identity_same_provider),
    ("ck_identities_oauth_provider", CHECK, _bad_provider),
    ("uq_users_display_name_key", UNIQUE, _same_name_other_case),
    ("ck_sessions_hash_length", CHECK, _short_refresh_hash),
    ("fk_identities_user_id_users", FOREIGN_KEY, _orphan_identity),
    ("fk_sessions_user_id_users", FOREIGN_KEY, _orphan_session),
    ("uq_sessions_refresh_token_hash", UNIQUE, _dup_refresh_hash),
    ("uq_collections_user_id_card_definition_id", UNIQUE, _dup_collection),
    ("ck_collections_quantity_positive", CHECK, _zero_quantity),
    ("ck_collections_card_source", CHECK, _bad_source),
    ("fk_collections_user_id_users", FOREIGN_KEY, _orphan_collection),
    ("ck_decks_cards_is_object", CHECK, _deck_cards_list),
    ("ck_decks_energy_cards_is_object", CHECK, _deck_energy_scalar),
    ("ck_decks_validation_errors_is_array", CHECK, _deck_errors_object),
    ("fk_decks_user_id_users", FOREIGN_KEY, _orphan_deck),
    ("ck_decks_version_positive", CHECK, _deck_raw("version", "0")),
    ("ck_decks_rules_preset", CHECK, _deck_raw("rules_preset", "'poker'")),
    ("ck_decks_deck_mode", CHECK, _deck_raw("mode", "'ranked'")),
    ("ck_collection_ledger_delta_non_zero", CHECK, _ledger_zero_delta),
    ("ck_collection_ledger_quantity_after_non_negative", CHECK, _ledger_negative_quantity),
    ("ck_collection_ledger_card_source", CHECK, _ledger_bad_source),
    ("fk_collection_ledger_user_id_users", FOREIGN_KEY, _orphan_ledger),
    ("pk_starter_choices", UNIQUE, _second_starter),
    ("fk_starter_choices_user_id_users", FOREIGN_KEY, _orphan_starter),
    ("uq_campaign_progress_user_id", UNIQUE, _second_campaign),
    *(
        (f"ck_campaign_progress_{column}_non_negative", CHECK, _negative_counter(column))
        for column in ("total_wins", "total_losses", "booster_packs", "mantibucks")
    ),
    ("ck_campaign_progress_medals_is_array", CHECK, _campaign_medals_object),
    ("ck_campaign_progress_defeated_npcs_is_array", CHECK, _campaign_npcs_string),
    ("fk_campaign_progress_user_id_users", FOREIGN_KEY, _orphan_campaign),
    ("pk_active_games", UNIQUE, _dup_active_game),
    ("ck_active_games_turn_number_non_negative", CHECK, _active_negative("turn_number")),
    ("ck_active_games_version_non_negative", CHECK, _active_negative("version")),
    ("ck_active_games_rules_config_is_object", CHECK, _active_json_list("rules_config")),
    ("ck_active_games_game_state_is_object", CHECK, _active_json_list("game_state")),
    ("ck_active_games_game_type", CHECK, _active_bad_type),
    ("ck_active_games_lineage_digest_length", CHECK, _active_short_digest),
    ("fk_active_games_player1_id_users", FOREIGN_KEY, _active_orphan("player1_id")),
    ("fk_active_games_player2_id_users", FOREIGN_KEY, _active_orphan("player2_id")),
    ("pk_game_history", UNIQUE, _dup_history),
    ("ck_game_history_turn_count_non_negative", CHECK, _history_negative("turn_count")),
    (
        "ck_game_history_duration_seconds_non_negative",
        CHECK,
        _history_negative("duration_seconds"),
    ),
    ("ck_game_history_replay_data_is_object", CHECK, _history_replay_list),
    ("ck_game_history_game_type", CHECK, _history_raw("game_type", "tournament")),
    ("ck_game_history_end_reason", CHECK, _history_raw("end_reason", "bored")),
    ("fk_game_history_player1_id_users", FOREIGN_KEY, _history_orphan("player1_id")),
    ("fk_game_history_player2_id_users", FOREIGN_KEY, _history_orphan("player2_id")),
    ("fk_game_history_winner_id_users", FOREIGN_KEY, _history_orphan("winner_id")),
    ("ck_play_games_record_is_object", CHECK, _play_record_list),
    ("ck_player_ratings_rd_positive", CHECK, _rating(rd=0.0)),
    ("ck_player_ratings_volatility_positive", CHECK, _rating(vol=-0.1)),
    ("ck_player_ratings_games_non_negative", CHECK, _rating(games=-1)),
    ("fk_player_ratings_user_id_users", FOREIGN_KEY, _rating(uid=uuid.uuid4())),
]


@pytest.mark.parametrize(("constraint", "sqlstate", "violate"), CASES, ids=[c[0] for c in CASES])
async def test_constraint_is_enforced(
    db_session: AsyncSession,
    constraint: str,
    sqlstate: str,
    violate: Violation,
) -> None:
    user = await add_user(db_session)
    savepoint = await db_session.begin_nested()
    with pytest.raises(IntegrityError) as caught:
        await violate(db_session, user)
    await savepoint.rollback()

    cause = caught.value.orig.__cause__ if caught.value.orig is not None else None
    assert getattr(cause, "sqlstate", None) == sqlstate
    assert getattr(cause, "constraint_name", None) == constraint


async def test_every_named_constraint_is_covered(db_session: AsyncSession) -> None:
    rows = await db_session.execute(
        text(
            "SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
            "WHERE n.nspname = 'public' AND contype IN ('u', 'c', 'f') "
            "AND conrelid <> 'alembic_version'::regclass",
        ),
    )
    in_database = set(rows.scalars())
    tested = {case[0] for case in CASES if not case[0].startswith("pk_")}
    assert in_database == tested


async def test_deleting_a_user_cascades_to_owned_rows(db_session: AsyncSession) -> None:
    user = await add_user(db_session)
    collection, deck, campaign = new_collection(user), new_deck(user), new_campaign(user)
    identity = new_identity(user)
    entry, starter = _ledger_row(user.id), StarterChoice(user_id=user.id, starter_type="fire")
    await _add(db_session, collection, deck, campaign, identity, entry, starter)
    ids: dict[type[Any], Any] = {
        Collection: collection.id,
        Deck: deck.id,
        CampaignProgress: campaign.id,
        Identity: identity.id,
        CollectionLedgerEntry: entry.id,
        StarterChoice: user.id,
    }

    await db_session.delete(user)
    await db_session.flush()
    db_session.expunge_all()
    for model, key in ids.items():
        assert await db_session.get(model, key) is None, model.__name__


async def test_deleting_a_player_keeps_games_and_history(db_session: AsyncSession) -> None:
    winner = await add_user(db_session)
    loser = await add_user(db_session)
    game = new_active_game(winner, player2_id=loser.id)
    history = new_history(winner, player2_id=loser.id, winner_id=winner.id)
    await _add(db_session, game, history)

    await db_session.delete(winner)
    await db_session.flush()
    db_session.expunge_all()

    kept_game = await db_session.get(ActiveGame, game.id)
    kept_history = await db_session.get(GameHistory, history.id)
    assert kept_game is not None
    assert kept_history is not None
    assert (kept_game.player1_id, kept_game.player2_id) == (None, loser.id)
    assert (kept_history.player1_id, kept_history.winner_id) == (None, None)
    assert kept_history.player2_id == loser.id


async def test_bulk_delete_in_sql_relies_on_the_database_rules(db_session: AsyncSession) -> None:
    user = await add_user(db_session)
    deck, game = new_deck(user), new_active_game(user)
    await _add(db_session, deck, game)
    await db_session.execute(text("DELETE FROM users WHERE id = :uid"), {"uid": user.id})
    db_session.expunge_all()
    assert await db_session.get(Deck, deck.id) is None
    kept = await db_session.get(ActiveGame, game.id)
    assert kept is not None
    assert kept.player1_id is None
