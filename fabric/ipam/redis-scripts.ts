/**
 * The Lua scripts behind `RedisPoolStore`. A script runs alone on the server, so the check
 * and the claim in it cannot interleave with another host's: this is what keeps an address
 * unique cluster-wide. Each network's keys (`RedisPoolStore.keys`) share a hash tag, `{network}`.
 *
 * Layout: `…:pool` hash (spec = the layout's key, searched, macBase, excludedCount,
 * cursor), `…:owners` hash owner → JSON {offset, mac, host}, `…:ips` hash offset → owner,
 * `…:macs` hash mac → owner, and `…:used`, a bitmap with one bit per searched offset, set
 * for excluded and allocated ones: BITPOS finds the next free address in a /16 in
 * microseconds, where asking the `ips` hash address by address took 130 ms in a nearly full
 * one, Redis blocked all along. Offsets are decimal strings. Needs Redis 7 (BITPOS … BIT).
 */

/** KEYS pool, owners, used. ARGV spec, searched, macBase, excluded (JSON offsets). → {'defined'} | {'in-use', spec, count} */
export const DEFINE_POOL = `
local current = redis.call('HGET', KEYS[1], 'spec')
if current == ARGV[1] then return {'defined'} end
if current then
  local count = redis.call('HLEN', KEYS[2])
  if count > 0 then return {'in-use', current, count} end
end
local excluded = cjson.decode(ARGV[4])
redis.call('DEL', KEYS[1], KEYS[3])
redis.call('HSET', KEYS[1], 'spec', ARGV[1], 'searched', ARGV[2], 'macBase', ARGV[3], 'excludedCount', #excluded, 'cursor', '0')
for _, o in ipairs(excluded) do redis.call('SETBIT', KEYS[3], o, 1) end
return {'defined'}
`;

/**
 * KEYS pool, owners, ips, macs, used. ARGV spec the caller's layout has, owner, host,
 * static offset or '', static MAC or '', MAC derived from the static offset or ''.
 * → {'allocated', record} | {'exhausted'} | {'in-use', 'IP', owner, offset}
 *   | {'in-use', 'MAC', owner, mac, derived-from offset or ''} | {'mismatch', 'IP'|'MAC', held, requested}
 *   | {'unknown-network'} | {'stale', spec}
 * Checks run in the order MemoryPoolStore runs them, so both refuse alike.
 */
export const ALLOCATE = `
local spec = redis.call('HGET', KEYS[1], 'spec')
if not spec then return {'unknown-network'} end
if spec ~= ARGV[1] then return {'stale', spec} end
local owner, host, offset, mac = ARGV[2], ARGV[3], ARGV[4], ARGV[5]

local held = redis.call('HGET', KEYS[2], owner)
if held then
  local record = cjson.decode(held)
  if offset ~= '' and offset ~= record.offset then return {'mismatch', 'IP', record.offset, offset} end
  if mac ~= '' and mac ~= record.mac then return {'mismatch', 'MAC', record.mac, mac} end
  if record.host ~= host then
    record.host = host
    held = cjson.encode(record)
    redis.call('HSET', KEYS[2], owner, held)
  end
  return {'allocated', held}
end

local pool = redis.call('HMGET', KEYS[1], 'searched', 'macBase', 'excludedCount', 'cursor')
local searched, macBase, excludedCount, cursor = tonumber(pool[1]), tonumber(pool[2]), tonumber(pool[3]), tonumber(pool[4])

if mac ~= '' then
  local holder = redis.call('HGET', KEYS[4], mac)
  if holder then return {'in-use', 'MAC', holder, mac, ''} end
end
if offset ~= '' then
  local holder = redis.call('HGET', KEYS[3], offset)
  if holder then return {'in-use', 'IP', holder, offset} end
  if mac == '' then
    mac = ARGV[6]
    holder = redis.call('HGET', KEYS[4], mac)
    if holder then return {'in-use', 'MAC', holder, mac, offset} end
  end
else
  if redis.call('HLEN', KEYS[3]) + excludedCount >= searched then return {'exhausted'} end
  -- The first clear bit in [from, limit), or nil. Past the bitmap's end every bit is clear,
  -- but BITPOS with an end offset does not look there.
  local function nextClear(from, limit)
    if from >= limit then return nil end
    local o = redis.call('BITPOS', KEYS[5], 0, from, limit - 1, 'BIT')
    if o >= 0 then return o end
    o = math.max(redis.call('STRLEN', KEYS[5]) * 8, from)
    if o < limit then return o end
    return nil
  end
  -- From the cursor (just past the last address handed out), so a freed address is reused last.
  local from, limit, wrapped = cursor, searched, false
  while offset == '' do
    local o = nextClear(from, limit)
    if not o then
      if wrapped then return {'exhausted'} end
      from, limit, wrapped = 0, cursor, true
    else
      local candidate = mac
      if candidate == '' then
        local v = (macBase + o) % 4294967296
        candidate = string.format('0a:58:%02x:%02x:%02x:%02x', math.floor(v / 16777216), math.floor(v / 65536) % 256, math.floor(v / 256) % 256, v % 256)
      end
      if mac ~= '' or redis.call('HEXISTS', KEYS[4], candidate) == 0 then
        offset, mac = string.format('%.0f', o), candidate
        redis.call('HSET', KEYS[1], 'cursor', string.format('%.0f', (o + 1) % searched))
      else
        from = o + 1
      end
    end
  end
end

local record = cjson.encode({offset = offset, mac = mac, host = host})
redis.call('HSET', KEYS[2], owner, record)
redis.call('HSET', KEYS[3], offset, owner)
redis.call('HSET', KEYS[4], mac, owner)
if tonumber(offset) < searched then redis.call('SETBIT', KEYS[5], offset, 1) end
return {'allocated', record}
`;

/** Frees one allocation's entries; `record` is its decoded JSON. */
const FREE = `
local function free(owner, record, searched)
  redis.call('HDEL', KEYS[2], owner)
  redis.call('HDEL', KEYS[3], record.offset)
  redis.call('HDEL', KEYS[4], record.mac)
  if tonumber(record.offset) < searched then redis.call('SETBIT', KEYS[5], record.offset, 0) end
end
`;

/** KEYS pool, owners, ips, macs, used. ARGV owner, host or ''. → nil (no pool) | {spec} | {spec, record} */
export const RELEASE = `${FREE}
local pool = redis.call('HMGET', KEYS[1], 'spec', 'searched')
if not pool[1] then return false end
local held = redis.call('HGET', KEYS[2], ARGV[1])
if not held then return {pool[1]} end
local record = cjson.decode(held)
if ARGV[2] ~= '' and record.host ~= ARGV[2] then return {pool[1]} end
free(ARGV[1], record, tonumber(pool[2]))
return {pool[1], held}
`;

/**
 * KEYS pool, owners, ips, macs, used. ARGV host or '', live owners as a JSON array (one
 * argument however many pods live). → nil (no pool) | {spec, owner, record, owner, record, …}
 */
export const GC = `${FREE}
local pool = redis.call('HMGET', KEYS[1], 'spec', 'searched')
if not pool[1] then return false end
local live = {}
for _, owner in ipairs(cjson.decode(ARGV[2])) do live[owner] = true end
local freed = {pool[1]}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local owner, held = all[i], all[i + 1]
  if not live[owner] then
    local record = cjson.decode(held)
    if ARGV[1] == '' or record.host == ARGV[1] then
      free(owner, record, tonumber(pool[2]))
      freed[#freed + 1] = owner
      freed[#freed + 1] = held
    end
  end
end
return freed
`;
