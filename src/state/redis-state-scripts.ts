/**
 * Lua for the Redis state store; each script runs atomically on the server.
 *
 * COMMIT — KEYS[1] the state hash; ARGV[1] the revision the committer last saw, ARGV[2] the
 * mesh as JSON, ARGV[3] the change channel. Writes `format`, `revision` (+1) and `mesh`,
 * and publishes the new revision, only if the stored revision is still ARGV[1].
 * Replies `{1, newRevision}`, or `{0, storedRevision}` having changed nothing.
 */
export const COMMIT = `
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision') or '0') or -1
local expected = tonumber(ARGV[1])
if stored ~= expected then return {0, stored} end
local revision = expected + 1
redis.call('HSET', KEYS[1], 'format', '1', 'revision', tostring(revision), 'mesh', ARGV[2])
redis.call('PUBLISH', ARGV[3], tostring(revision))
return {1, revision}
`;
