"""Quick-match pairing: casual by waiting time, ranked by a widening rating window."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.play.pairing import RankedWindow, Ticket, pair_casual, pair_ranked

WINDOW = RankedWindow(start=100, growth_per_10s=50, widest=600, rematch_after_ms=60_000)


def _ids(pairs: list[tuple[Ticket, Ticket]]) -> list[tuple[str, str]]:
    return [(a.user_id, b.user_id) for a, b in pairs]


def test_casual_pairs_the_longest_waiting_first() -> None:
    tickets = [Ticket(user_id=name, queued_at_ms=at) for name, at in [("c", 3), ("a", 1), ("b", 2)]]
    assert _ids(pair_casual(tickets)) == [("a", "b")]


def test_casual_never_pairs_a_player_with_themself() -> None:
    tickets = [Ticket(user_id="a", queued_at_ms=1), Ticket(user_id="a", queued_at_ms=2)]
    assert pair_casual(tickets) == []


def test_the_ranked_window_widens_with_waiting() -> None:
    a = Ticket(user_id="a", queued_at_ms=0, rating=1500)
    b = Ticket(user_id="b", queued_at_ms=0, rating=1750)
    assert pair_ranked([a, b], WINDOW, now_ms=0) == []
    assert pair_ranked([a, b], WINDOW, now_ms=29_000) == []  # 100 + 145 < 250
    assert _ids(pair_ranked([a, b], WINDOW, now_ms=30_000)) == [("a", "b")]
    assert WINDOW.width(a, now_ms=10**9) == 600


def test_both_windows_must_fit() -> None:
    veteran = Ticket(user_id="v", queued_at_ms=0, rating=2100)
    newcomer = Ticket(user_id="n", queued_at_ms=95_000, rating=1500)
    assert pair_ranked([veteran, newcomer], WINDOW, now_ms=100_000) == []


def test_the_closest_rating_is_preferred() -> None:
    first = Ticket(user_id="a", queued_at_ms=0, rating=1500)
    far = Ticket(user_id="b", queued_at_ms=1, rating=1580)
    near = Ticket(user_id="c", queued_at_ms=2, rating=1490)
    assert _ids(pair_ranked([first, far, near], WINDOW, now_ms=3)) == [("a", "c")]


def test_last_opponents_wait_before_meeting_again() -> None:
    a = Ticket(user_id="a", queued_at_ms=0, rating=1500, last_opponent="b")
    b = Ticket(user_id="b", queued_at_ms=0, rating=1500, last_opponent="a")
    c = Ticket(user_id="c", queued_at_ms=0, rating=1550)
    assert _ids(pair_ranked([a, b, c], WINDOW, now_ms=1)) == [("a", "c")]
    assert pair_ranked([a, b], WINDOW, now_ms=59_999) == []
    assert _ids(pair_ranked([a, b], WINDOW, now_ms=60_000)) == [("a", "b")]


_tickets = st.lists(
    st.builds(
        Ticket,
        user_id=st.sampled_from("abcdefgh"),
        queued_at_ms=st.integers(0, 100_000),
        rating=st.floats(1000, 2500),
        last_opponent=st.none() | st.sampled_from("abcdefgh"),
    ),
    max_size=12,
)


@given(_tickets, st.integers(0, 200_000))
def test_every_ranked_pair_fits_and_nobody_plays_twice(tickets: list[Ticket], now: int) -> None:
    pairs = pair_ranked(tickets, WINDOW, now_ms=now)
    seen = [ticket for pair in pairs for ticket in pair]
    assert len(seen) == len({id(ticket) for ticket in seen})
    for a, b in pairs:
        assert a.user_id != b.user_id
        assert abs(a.rating - b.rating) <= min(WINDOW.width(a, now), WINDOW.width(b, now))
