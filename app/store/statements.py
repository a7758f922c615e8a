"""The Lua scripts and SQL statements the GameStateManager runs, and what each one checks.

Every guarantee of the durability contract that must hold across processes is
checked inside a store, atomically with the write it guards: a version check
and a Redis instance check in Lua, a version and lineage check in the
PostgreSQL upsert. The manager only decides which statement to run.
"""

from __future__ import annotations

import hashlib
from typing import Final

from sqlalchemy import text

from app.store.lineage import DIGEST_SIZE
from app.store.redis_epoch import ANY_IDENTITY, IDENTITY_LUA

MODE_DIRTY: Final = "dirty"
"""An accepted action not in PostgreSQL yet: written if newer, and marked dirty."""
MODE_CLEAN: Final = "clean"
"""A state read from PostgreSQL: written if newer, and unmarked."""
MODE_REPLACE: Final = "replace"
"""A state read from PostgreSQL that replaces the cached copy whatever its version, but only
if the cached ``v`` field is still the one the caller saw (compare-and-set), and unmarked."""

# Every checked script starts so: ARGV[1] is the instance identity the caller expects,
# as the first 16 hex digits of its SHA-1 (`identity_token`: 16 bytes a call instead of
# 81), or "*" for a write that is safe on any instance; a mismatch returns {-1, identity}.
_CHECK_IDENTITY = (
    IDENTITY_LUA
    + """
if ARGV[1] ~= '*' then
  local identity = instance_identity()
  if string.sub(redis.sha1hex(identity), 1, 16) ~= ARGV[1] then
    return {-1, identity}
  end
end
"""
)

IDENTITY_MISMATCH: Final = -1


def identity_token(identity: str) -> str:
    """What a checked script is passed for `identity` (see `_CHECK_IDENTITY`)."""
    if identity == ANY_IDENTITY:
        return identity
    return hashlib.sha1(identity.encode(), usedforsecurity=False).hexdigest()[:16]


CACHE_REFUSED, CACHE_WRITTEN, CACHE_IDENTICAL, CACHE_MOVED = 0, 1, 2, 3

# KEYS[1] the game's hash {v: version, s: snapshot, h: lineage head, e<N>: log entries};
# KEYS[2] the dirty set. Writes a snapshot: the whole state at `version`, dropping every
# log entry. ARGV: identity, version, payload, ttl seconds, mode, game id, expected v
# (replace only; "" when the caller saw no hash), lineage head at `version` ("" when the
# caller does not know it: then the next action is written as a snapshot too), and for a
# snapshot kept apart from its action log: the log's records (ARGV[9], JSON objects joined
# by commas) and the version they end at (ARGV[10]; "" when the payload is a whole state).
# Returns {1, previous or -1} when written, {2, version} when the identical write was
# already applied (a retried command), {0, cached version} when refused as not newer,
# {3, cached version or -1} when a replace found the cached copy changed. A key of
# another type is corrupt: replaced.
CACHE_STATE_LUA: Final = (
    _CHECK_IDENTITY
    + """
local version = tonumber(ARGV[2])
local kind = redis.call('TYPE', KEYS[1])['ok']
local seen = ''
local current = nil
if kind == 'hash' then
  seen = redis.call('HGET', KEYS[1], 'v') or ''
  current = tonumber(seen)
end
if ARGV[5] == 'replace' then
  if seen ~= ARGV[7] then
    return {3, current or -1}
  end
elseif current ~= nil then
  if current > version then
    return {0, current}
  end
  if current == version then
    if redis.call('HGET', KEYS[1], 's') == ARGV[3]
        and (ARGV[10] == nil or ARGV[10] == '' or redis.call('HGET', KEYS[1], 'l') == ARGV[9]) then
      redis.call('EXPIRE', KEYS[1], ARGV[4])
      return {2, current}
    end
    return {0, current}
  end
end
if kind ~= 'none' then
  redis.call('DEL', KEYS[1])
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3])
if ARGV[8] ~= nil and ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'h', ARGV[8])
end
if ARGV[10] ~= nil and ARGV[10] ~= '' then
  redis.call('HSET', KEYS[1], 'b', ARGV[10], 'l', ARGV[9])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
if ARGV[5] == 'dirty' then
  local now = redis.call('TIME')
  local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('ZADD', KEYS[2], 'NX', now_ms, ARGV[6])
else
  redis.call('ZREM', KEYS[2], ARGV[6])
end
return {1, current or -1}
"""
)

APPEND_NEEDS_SNAPSHOT: Final = 4

# Appends the log entry of one action: KEYS[1] the game's hash (its last segment is the
# game id), KEYS[2] the dirty set. ARGV: identity, version, entry, ttl seconds, (unused),
# lineage head at version - 1 (what the entry was played on), lineage head at version
# (raw 16-byte digests: every byte sent per action counts). Appended ({1, previous}) only when
# the hash holds a snapshot and its head is version - 1 on that very lineage; {2, version}
# when this entry is already there (a retried command); {0, cached} when Redis holds this
# version (other content) or a newer one; {4, cached or -1} when the head is older, on
# another lineage or unknown: the caller then writes the whole state (CACHE_STATE_LUA).
APPEND_LUA: Final = (
    _CHECK_IDENTITY
    + """
local version = tonumber(ARGV[2])
local field = 'e' .. ARGV[2]
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then
  return {4, -1}
end
local fields = redis.call('HMGET', KEYS[1], 'v', 'h', field)
local current = tonumber(fields[1])
if current == nil then
  return {4, -1}
end
if current == version then
  if fields[3] == ARGV[3] then
    redis.call('EXPIRE', KEYS[1], ARGV[4])
    return {2, current}
  end
  return {0, current}
end
if current > version then
  return {0, current}
end
if current ~= version - 1 or fields[2] ~= ARGV[6] or redis.call('HEXISTS', KEYS[1], 's') == 0 then
  return {4, current}
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'h', ARGV[7], field, ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[2], 'NX', now_ms, string.match(KEYS[1], '([^:]+)$'))
return {1, current}
"""
)

# A turn boundary: the snapshot of `version` (its state without the action log) replaces
# the log, and the records of the actions since the last snapshot are added to the kept
# records (`l`, which then covers versions 1..version). KEYS as APPEND_LUA. ARGV: identity,
# version, snapshot, ttl seconds, the new records (JSON objects joined by commas), how many
# they are, lineage head at version - 1, lineage head at version. Replies as APPEND_LUA:
# {4, ...} (write the whole state) unless the head is version - 1 on that lineage and the
# kept records end exactly where the new ones begin.
SNAPSHOT_LUA: Final = (
    _CHECK_IDENTITY
    + """
local version = tonumber(ARGV[2])
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then
  return {4, -1}
end
local fields = redis.call('HMGET', KEYS[1], 'v', 'h', 'b', 'l', 's')
local current = tonumber(fields[1])
if current == nil then
  return {4, -1}
end
if current == version then
  if fields[5] == ARGV[3] then
    redis.call('EXPIRE', KEYS[1], ARGV[4])
    return {2, current}
  end
  return {0, current}
end
if current > version then
  return {0, current}
end
if current ~= version - 1 or fields[2] ~= ARGV[7] or not fields[4]
    or tonumber(fields[3]) ~= version - tonumber(ARGV[6]) then
  return {4, current}
end
local records = ARGV[5]
if fields[4] ~= '' then
  records = fields[4] .. ',' .. ARGV[5]
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[2], 's', ARGV[3], 'h', ARGV[8], 'b', ARGV[2], 'l', records)
redis.call('EXPIRE', KEYS[1], ARGV[4])
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[2], 'NX', now_ms, string.match(KEYS[1], '([^:]+)$'))
return {1, current}
"""
)

READ_MISSING, READ_FOUND = 1, 2

# KEYS[1] the game's hash; ARGV[1] the expected identity. Returns {1, key type} when the
# key holds no hash ("none" when it does not exist), else {2, raw v, raw s, kept records,
# the version they end at, name, entry, name, entry...}: "" for an absent field, then
# every log entry field with its value.
READ_STATE_LUA: Final = (
    _CHECK_IDENTITY
    + """
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'hash' then
  return {1, kind}
end
local fields = redis.call('HMGET', KEYS[1], 'v', 's', 'l', 'b')
local reply = {2, fields[1] or '', fields[2] or '', fields[3] or '', fields[4] or ''}
local names = {}
for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
  if string.sub(name, 1, 1) == 'e' then
    table.insert(names, name)
  end
end
if #names > 0 then
  local values = redis.call('HMGET', KEYS[1], unpack(names))
  for i, name in ipairs(names) do
    table.insert(reply, name)
    table.insert(reply, values[i] or '')
  end
end
return reply
"""
)

# KEYS[1] the game's hash. Its version and lineage head only, for a caller that holds a state
# in memory and wants to know whether it is still the latest (nothing else is read or sent).
# Returns {1} when there is no hash, {2, version, head} otherwise ('' for a missing field).
HEAD_LUA: Final = (
    _CHECK_IDENTITY
    + """
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then
  return {1}
end
local fields = redis.call('HMGET', KEYS[1], 'v', 'h')
return {2, fields[1] or '', fields[2] or ''}
"""
)

# After version ARGV[1] of game ARGV[2] reached PostgreSQL, unmark it unless Redis
# meanwhile holds a newer version (which is still unpersisted), and raise PostgreSQL's
# write mark (KEYS[3]) to ARGV[3] (see app.store.restore). Safe on any instance.
CLEAR_DIRTY_LUA: Final = """
if tonumber(ARGV[3]) > (tonumber(redis.call('GET', KEYS[3])) or 0) then
  redis.call('SET', KEYS[3], ARGV[3])
end
local current = nil
if redis.call('TYPE', KEYS[1])['ok'] == 'hash' then
  current = tonumber(redis.call('HGET', KEYS[1], 'v'))
end
if current ~= nil and current > tonumber(ARGV[1]) then
  return 0
end
return redis.call('ZREM', KEYS[2], ARGV[2])
"""

# The history guard makes a late persist of an ended game a no-op instead of a
# resurrection. The lineage guard refuses a newer state that does not contain the stored
# one: :lineage is the incoming state's whole chain, so its digest at the stored version
# must equal the stored head (a NULL head, from before lineages were kept, is not checked).
UPSERT_SQL = text(
    f"""
    INSERT INTO active_games AS a (
        id, game_type, player1_id, player2_id, npc_id, rules_config, game_state,
        turn_number, version, started_at, last_action_at, turn_deadline, lineage_digest
    )
    SELECT CAST(:id AS uuid), CAST(:game_type AS varchar), CAST(:player1_id AS uuid),
           CAST(:player2_id AS uuid), CAST(:npc_id AS varchar), CAST(:rules_config AS jsonb),
           CAST(:game_state AS jsonb), CAST(:turn_number AS integer), CAST(:version AS integer),
           CAST(:started_at AS timestamptz), CAST(:last_action_at AS timestamptz),
           CAST(:turn_deadline AS timestamptz), CAST(:lineage_digest AS bytea)
    WHERE NOT EXISTS (SELECT 1 FROM game_history AS h WHERE h.id = CAST(:id AS uuid))
    ON CONFLICT (id) DO UPDATE SET
        player1_id = excluded.player1_id,
        player2_id = excluded.player2_id,
        npc_id = excluded.npc_id,
        rules_config = excluded.rules_config,
        game_state = excluded.game_state,
        turn_number = excluded.turn_number,
        version = excluded.version,
        last_action_at = excluded.last_action_at,
        turn_deadline = excluded.turn_deadline,
        lineage_digest = excluded.lineage_digest,
        updated_at = now()
    WHERE a.version < excluded.version
      AND (a.lineage_digest IS NULL
           OR a.lineage_digest = substring(CAST(:lineage AS bytea)
                                           FROM a.version * {DIGEST_SIZE} + 1
                                           FOR {DIGEST_SIZE}))
    RETURNING a.version, nextval('store_write_seq') AS write_seq
    """,  # noqa: S608 - only the DIGEST_SIZE constant is formatted in
)

# What PostgreSQL holds for a game: its row's version and head digest (NULL when there
# is no row), and whether the game has ended.
STORED_SQL = text(
    """
    SELECT a.version, a.lineage_digest,
           EXISTS (SELECT 1 FROM game_history AS h WHERE h.id = g.id) AS ended
    FROM (SELECT CAST(:id AS uuid) AS id) AS g
    LEFT JOIN active_games AS a ON a.id = g.id
    """,
)

READ_STATE_SQL = text(
    "SELECT version, game_state::text AS state FROM active_games WHERE id = CAST(:id AS uuid)",
)

# Streamed by recovery. The JSONB comparisons catch a row whose state disagrees with
# its columns without parsing 10-40 KB of JSON per game in Python.
RECOVERY_SQL = text(
    """
    SELECT a.id::text AS id, a.version,
           (a.game_state -> 'version' = to_jsonb(a.version)
            AND a.game_state -> 'game_id' = to_jsonb(a.id::text)) AS consistent,
           a.game_state::text AS state
    FROM active_games AS a
    WHERE NOT EXISTS (SELECT 1 FROM game_history AS h WHERE h.id = a.id)
    """,
)

# The game store's write counter (migration 005): nextval by every write, read by the
# restore check. pg_dump / pg_restore bring back the value at the time of the dump.
NEXT_WRITE_SQL = text("SELECT nextval('store_write_seq')")
LAST_WRITE_SQL = text("SELECT last_value FROM store_write_seq")
RAISE_WRITES_SQL = text(
    "SELECT setval('store_write_seq', GREATEST(:mark, (SELECT last_value FROM store_write_seq)))"
)

# Raises PostgreSQL's write mark KEYS[1] to ARGV[1]; records the end of game ARGV[2] in
# KEYS[2] (the ended games, scored by time) and its final state and result in KEYS[3]
# for ARGV[4] seconds, so a PostgreSQL restored from before the end can be told again.
ENDED_LUA: Final = """
if tonumber(ARGV[1]) > (tonumber(redis.call('GET', KEYS[1])) or 0) then
  redis.call('SET', KEYS[1], ARGV[1])
end
local now = redis.call('TIME')
redis.call('ZADD', KEYS[2], tonumber(now[1]), ARGV[2])
redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[4])
return 1
"""
