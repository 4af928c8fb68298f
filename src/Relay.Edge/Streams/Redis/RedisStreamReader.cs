using System.Runtime.CompilerServices;
using Relay.Contracts;
using StackExchange.Redis;

namespace Relay.Edge.Streams.Redis;

/// <summary>
/// One reader of a Redis-held stream. When this instance produces the stream, it follows the events in memory
/// (<paramref name="local"/>, each appended there once Redis has it) and goes on to Redis only if the production stops
/// without an end. Otherwise: XRANGE from its cursor, then wait for the append notification. While
/// idle it checks the owner's lease; a lapsed lease ends the stream with STREAM_LOST, appended at the next seq
/// so every reader sees the same end (and a late write from the old owner is refused by Redis).
/// </summary>
internal sealed class RedisStreamReader(RedisStreamStore store, StreamKeys keys, long afterSeq, bool markSeen, StreamBuffer? local)
{
    private const int BatchSize = 512;
    private readonly AsyncSignal _appended = new();
    private long _cursor = afterSeq;
    private long _lastSeen = long.MinValue;

    public async IAsyncEnumerable<StoredEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (local is not null)
        {
            await foreach (var e in local.ReadAsync(_cursor, cancellationToken))
            {
                _cursor = e.Seq;
                yield return e;
                if (e.IsTerminal)
                {
                    yield break;
                }
            }
        }

        var channel = RedisChannel.Literal(keys.Appended);
        Action<RedisChannel, RedisValue> onAppend = (_, _) => _appended.Set();

        // Subscribe before the first XRANGE so no append falls between the two.
        if (await TryAsync(() => store.Subscriber.SubscribeAsync(channel, onAppend)) is { } unavailable)
        {
            yield return unavailable;
            yield break;
        }

        try
        {
            var first = true;
            while (true)
            {
                _appended.Reset();
                var (entries, error) = await RangeAsync();
                if (error is not null)
                {
                    yield return error.Value;
                    yield break;
                }

                foreach (var entry in entries!)
                {
                    var e = ToStored(entry);
                    _cursor = e.Seq;
                    yield return e;
                    if (e.IsTerminal)
                    {
                        yield break;
                    }
                }

                if (entries.Length > 0)
                {
                    continue;
                }

                // Nothing new: either this reader is already past the end (a resume after it)...
                var (over, ended) = first ? await PastEndAsync() : (false, null);
                first = false;

                // ...or it waits for the next append, checking that its owner still lives.
                if (!over && !await _appended.WaitAsync(store.Settings.LeaseCheck, store.Time, cancellationToken))
                {
                    (over, ended) = await CheckOwnerAsync();
                }

                if (ended is { } last)
                {
                    yield return last;
                }

                if (over)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await store.Subscriber.UnsubscribeAsync(channel, onAppend, CommandFlags.FireAndForget);
        }
    }

    private async Task<(StreamEntry[]? Entries, StoredEvent? Error)> RangeAsync()
    {
        try
        {
            var entries = await RedisStreamStore.Call(() => store.Db.StreamRangeAsync(keys.Events, StreamKeys.EntryId(_cursor + 1), "+", BatchSize));
            await TouchAsync();
            return (entries, null);
        }
        catch (StreamErrorException ex)
        {
            return (null, Synthesized(ex.Error));
        }
    }

    /// <summary>
    /// Whether the stream's newest event is its end and this reader has it already. An end appended after the last
    /// XRANGE is not "over": the next XRANGE reads it, so no reader misses the terminal event.
    /// </summary>
    private async Task<(bool Over, StoredEvent? Event)> PastEndAsync()
    {
        try
        {
            return (await NewestAsync() is { IsTerminal: true } end && end.Seq <= _cursor, null);
        }
        catch (StreamErrorException ex)
        {
            return (true, Synthesized(ex.Error));
        }
    }

    private async Task<StoredEvent?> NewestAsync()
    {
        var last = await RedisStreamStore.Call(() => store.Db.StreamRangeAsync(keys.Events, "-", "+", 1, Order.Descending));
        return last.Length > 0 ? ToStored(last[0]) : null;
    }

    /// <summary>Not over while the owner holds its lease; else the stream ended or is lost (appended, so the next XRANGE shows it).</summary>
    private async Task<(bool Over, StoredEvent? Event)> CheckOwnerAsync()
    {
        try
        {
            if (await store.IsLeaseHeldAsync(keys))
            {
                return (false, null);
            }

            if (!await RedisStreamStore.Call(() => store.Db.KeyExistsAsync(keys.Info)))
            {
                return (true, Synthesized(StreamError.Create(StreamErrorCode.StreamNotFound)));
            }

            // Events this reader has not read (their notification was missed), the end among them: read them first.
            if (await NewestAsync() is { } newest && (newest.Seq > _cursor || newest.IsTerminal))
            {
                return (newest.Seq <= _cursor, null);
            }

            // Lost: say so in the stream itself. Refused when the owner appended after all; the next XRANGE shows it.
            var lost = new ErrorEvent(StreamError.Create(StreamErrorCode.StreamLost));
            await store.TryAppendAsync(keys.StreamId, _cursor + 1, lost.WireName, StreamEventSerializer.SerializeData(lost), terminal: true);
            return (false, null);
        }
        catch (StreamErrorException ex)
        {
            return (true, Synthesized(ex.Error));
        }
    }

    /// <summary>Marks the stream as read on this instance (not its owner) at most once a lease check, so its owner keeps it past the grace period.</summary>
    private async Task TouchAsync()
    {
        if (!markSeen)
        {
            return;
        }

        var now = store.Time.GetTimestamp();
        if (_lastSeen != long.MinValue && store.Time.GetElapsedTime(_lastSeen, now) < store.Settings.LeaseCheck)
        {
            return;
        }

        _lastSeen = now;
        await RedisStreamStore.Call(() => store.Db.StringSetAsync(keys.Seen, 1, TimeSpan.FromMilliseconds(store.GraceMs)));
    }

    /// <summary>An end that is not in the stream (the store is gone): it keeps the cursor and has no id, so a resume loses nothing.</summary>
    private StoredEvent Synthesized(StreamError error)
    {
        var e = new ErrorEvent(error);
        return new StoredEvent(_cursor, e.WireName, StreamEventSerializer.SerializeData(e)) { Synthesized = true };
    }

    private static StoredEvent ToStored(StreamEntry entry)
    {
        RedisValue name = default, data = default;
        foreach (var v in entry.Values)
        {
            if (v.Name == "n")
            {
                name = v.Value;
            }
            else if (v.Name == "d")
            {
                data = v.Value;
            }
        }

        return new StoredEvent(StreamKeys.SeqOf(entry.Id), name.ToString(), (byte[])data!);
    }

    private async Task<StoredEvent?> TryAsync(Func<Task> call)
    {
        try
        {
            await RedisStreamStore.Call(async () =>
            {
                await call();
                return true;
            });
            return null;
        }
        catch (StreamErrorException ex)
        {
            return Synthesized(ex.Error);
        }
    }
}
