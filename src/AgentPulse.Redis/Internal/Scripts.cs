namespace AgentPulse.Redis.Internal;

/// <summary>
/// The log's Lua scripts. Each runs atomically in Redis: no other command runs in between, so the seq
/// counter, the stream and the idempotency keys always agree. StackExchange.Redis sends each script
/// once and then calls it by its hash.
/// </summary>
internal static class Scripts
{
    /// <summary>What the append script answers first.</summary>
    public const long Appended = 0;

    /// <summary>The epoch in Redis is not the caller's: it changed, or the meta hash is gone.</summary>
    public const long EpochChanged = 1;

    /// <summary>The stream is gone while the counter says events were given: it was deleted or evicted.</summary>
    public const long StreamLost = 2;

    /// <summary>
    /// Appends a batch. KEYS: meta, stream, then one idempotency key per event. ARGV: the caller's epoch,
    /// the retention count, the idempotency keys' time to live (ms), then per event its JSON and its
    /// audience (a user id, or empty). Answers <c>{0, r1, r2, …}</c> with the seq of each event, negative
    /// for a repeat (the first one's seq); or <c>{1}</c> / <c>{2}</c> when nothing was appended. Every
    /// check comes before the first write, so a batch is appended whole or not at all.
    /// </summary>
    public const string Append = """
        local meta, stream = KEYS[1], KEYS[2]
        if redis.call('HGET', meta, 'epoch') ~= ARGV[1] then
          return {1}
        end
        local seq = tonumber(redis.call('HGET', meta, 'seq'))
        if seq > 0 and redis.call('EXISTS', stream) == 0 then
          return {2}
        end
        local t = redis.call('TIME')
        local now = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
        local results = {0}
        for i = 1, #KEYS - 2 do
          local idKey = KEYS[i + 2]
          local first = redis.call('GET', idKey)
          if first then
            results[i + 1] = -tonumber(first)
          else
            seq = seq + 1
            redis.call('XADD', stream, 'MAXLEN', '~', ARGV[2], string.format('%d-0', seq),
              'e', ARGV[2 + 2 * i], 'u', ARGV[3 + 2 * i], 'p', ARGV[1], 't', now)
            redis.call('SET', idKey, string.format('%d', seq), 'PX', ARGV[3])
            results[i + 1] = seq
          end
        end
        redis.call('HSET', meta, 'seq', string.format('%d', seq))
        return results
        """;

    /// <summary>
    /// Makes sure there is an epoch, and makes a new one when the stream was lost. KEYS: meta, stream.
    /// ARGV: the epoch the caller knows (empty at start), a new epoch to use if one is needed, the last
    /// seq the caller has seen. The stream is lost when the meta hash is gone (Redis restarted empty),
    /// when the stream is gone while events were given (deleted, evicted), or when Redis holds fewer
    /// events of the caller's epoch than the caller has seen (restored from an older copy). A new epoch
    /// continues above every seq given before, and starts with an empty stream whose last id is its base,
    /// so that the stream exists (and is not taken for lost) before the first event. Answers
    /// <c>{epoch, base, seq, made}</c>, <c>made</c> 1 when this call made the epoch.
    /// </summary>
    public const string Ensure = """
        local meta, stream = KEYS[1], KEYS[2]
        local epoch = redis.call('HGET', meta, 'epoch')
        local seq = tonumber(redis.call('HGET', meta, 'seq') or '0')
        local exists = redis.call('EXISTS', stream) == 1
        local seen = tonumber(ARGV[3])
        if epoch and (seq == 0 or exists) and (epoch ~= ARGV[1] or seq >= seen) then
          return {epoch, redis.call('HGET', meta, 'base') or '0', string.format('%d', seq), 0}
        end
        local last = 0
        if exists then
          local info = redis.call('XINFO', 'STREAM', stream)
          for i = 1, #info, 2 do
            if info[i] == 'last-generated-id' then
              last = tonumber(string.match(info[i + 1], '^(%d+)'))
            end
          end
        end
        local base = math.max(seq, seen, last)
        redis.call('DEL', stream)
        if base > 0 then
          redis.call('XADD', stream, 'MAXLEN', '0', string.format('%d-0', base), 'r', '1')
        end
        local b = string.format('%d', base)
        redis.call('HSET', meta, 'epoch', ARGV[2], 'base', b, 'seq', b)
        return {ARGV[2], b, b, 1}
        """;

    /// <summary>
    /// Trims the oldest entries that are older than the retention age, up to a batch of them. KEYS: stream.
    /// ARGV: the age (ms), the batch. Answers how many it trimmed; a full batch means more may be due.
    /// </summary>
    public const string TrimByAge = """
        local t = redis.call('TIME')
        local cutoff = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[1])
        local entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', ARGV[2])
        for _, entry in ipairs(entries) do
          local fields = entry[2]
          for j = 1, #fields, 2 do
            if fields[j] == 't' and tonumber(fields[j + 1]) >= cutoff then
              return redis.call('XTRIM', KEYS[1], 'MINID', entry[1])
            end
          end
        end
        if #entries == 0 then
          return 0
        end
        local last = tonumber(string.match(entries[#entries][1], '^(%d+)'))
        return redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d-0', last + 1))
        """;
}
