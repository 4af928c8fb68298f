using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using StackExchange.Redis;

namespace Relay.Edge.Streams.Redis;

/// <summary>
/// Streams shared between edge instances through Redis (<c>RELAY_REDIS</c>). One Redis Stream per stream id with
/// entry ids <c>0-&lt;seq&gt;</c>, so Redis itself refuses a second writer for a seq; the expiry is refreshed on
/// each append and set to the grace period after the end. StackExchange.Redis cannot block on XREAD (it
/// multiplexes one connection), so readers follow with a pub/sub notification per append plus XRANGE from
/// their cursor. Each instance renews one heartbeat lease (a key holding its boot id), however many streams it
/// produces; a reader that finds the owner's lease lapsed (or held by a later boot) ends the stream with STREAM_LOST.
/// A DELETE elsewhere is published and also recorded in a key the owner's next append checks, so a cancel sent while
/// the owner was reconnecting still stops the generation.
/// </summary>
internal sealed class RedisStreamStore : IStreamStore, IDisposable
{
    private const string CancelChannel = "relay:cancel";

    // Create the info hash only if the stream is new (one round trip, atomic).
    private const string CreateScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'fingerprint', ARGV[2], 'instance', ARGV[3], 'holder', ARGV[4], 'boot', ARGV[5])
        redis.call('PEXPIRE', KEYS[1], ARGV[6])
        return 1
        """;

    // Append at seq ARGV[6]: 0 when that seq is taken (a second writer), 2 when a cancel was recorded (only the usage and the
    // terminal event still go in: the tokens were spent), else append, refresh the expiry, wake the readers and return 1. Every key is in the stream's slot.
    private const string AppendScript = """
        local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
        if last[1] and tonumber(string.match(last[1][1], '%-(%d+)$')) >= tonumber(ARGV[6]) then return 0 end
        if ARGV[7] ~= '1' and ARGV[2] ~= 'usage' and redis.call('EXISTS', KEYS[3]) == 1 then return 2 end
        redis.call('XADD', KEYS[1], ARGV[1], 'n', ARGV[2], 'd', ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[4])
        redis.call('PEXPIRE', KEYS[2], ARGV[4])
        redis.call('PUBLISH', ARGV[5], ARGV[1])
        return 1
        """;

    private readonly RedisStreamStoreOptions _settings;
    private readonly IConnectionMultiplexer _redis;
    private readonly RelayEdgeOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, StreamWriter> _writers = new(StringComparer.Ordinal);

    // Streams this instance created and has not removed: its own readers are counted by the stream's lifetime here, so
    // only readers elsewhere mark a stream seen.
    private readonly ConcurrentDictionary<string, byte> _produced = new(StringComparer.Ordinal);
    private readonly ITimer _leaseTimer;
    private readonly string _boot = Guid.NewGuid().ToString("N");
    private readonly Action<RedisChannel, RedisValue> _onCancel;
    private long _heldBytes;

    public RedisStreamStore(RedisConnection connection, IOptions<RelayEdgeOptions> options, IOptions<RedisStreamStoreOptions> settings, TimeProvider time)
    {
        _redis = connection.Multiplexer;
        _options = options.Value;
        _settings = settings.Value;
        _time = time;
        _onCancel = (_, id) => CancelRequested?.Invoke(id.ToString());
        _redis.ConnectionRestored += (_, _) => Subscribe();
        Subscribe();
        _leaseTimer = time.CreateTimer(_ => RenewLease(), null, TimeSpan.Zero, _settings.LeaseRenewal);
    }

    public event Action<string>? CancelRequested;

    /// <inheritdoc />
    public long HeldBytes => Interlocked.Read(ref _heldBytes);

    public bool IsConnected => _redis.IsConnected;

    public async ValueTask<bool> CreateAsync(string streamId, StreamInfo info, CancellationToken cancellationToken = default)
    {
        // Fail fast: a client gets 503 at once rather than waiting on a reconnecting multiplexer.
        if (!_redis.IsConnected)
        {
            throw Unavailable();
        }

        var keys = new StreamKeys(streamId);
        var created = (bool)await Call(
            () => Db.ScriptEvaluateAsync(CreateScript, [keys.Info], [info.Owner, info.Fingerprint, info.Instance, _options.InstanceId, _boot, LiveTtlMs]),
            cancellationToken);
        if (created)
        {
            // The heartbeat exists before any reader can look for it (the timer renews it from then on).
            RenewLease();
            var tail = new StreamBuffer(_options.MaxStreamBytes);
            Interlocked.Add(ref _heldBytes, tail.HeldBytes);
            _writers[streamId] = new StreamWriter(keys) { Tail = tail };
            _produced[streamId] = 0;
        }

        return created;
    }

    public async ValueTask<StreamInfo?> GetInfoAsync(string streamId, CancellationToken cancellationToken = default)
    {
        var fields = await Call(() => Db.HashGetAllAsync(new StreamKeys(streamId).Info), cancellationToken);
        if (fields.Length == 0)
        {
            return null;
        }

        var map = fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString(), StringComparer.Ordinal);
        return new StreamInfo(map.GetValueOrDefault("owner", ""), map.GetValueOrDefault("fingerprint", ""), map.GetValueOrDefault("instance", ""));
    }

    public async ValueTask<long> AppendAsync(string streamId, StreamEvent streamEvent, CancellationToken cancellationToken = default)
    {
        if (!_writers.TryGetValue(streamId, out var writer))
        {
            throw new StreamErrorException(StreamErrorCode.StreamNotFound);
        }

        var data = StreamEventSerializer.SerializeData(streamEvent);
        if (writer.Bytes + data.Length > _options.MaxStreamBytes && streamEvent is not (ErrorEvent or UsageEvent))
        {
            throw new StreamErrorException(StreamErrorCode.StreamTooLarge, $"The answer outgrew the edge's limit of {_options.MaxStreamBytes} bytes per stream.");
        }

        var seq = writer.Seq + 1;
        AppendResult appended;
        try
        {
            appended = await TryAppendAsync(writer.AppendKeys, writer.AppendedChannel, seq, streamEvent.WireName, data, streamEvent.IsTerminal, cancellationToken);
        }
        catch (StreamErrorException)
        {
            // Redis may or may not hold the event: this instance's readers go on from Redis, which knows.
            DropTail(writer, abandon: true);
            throw;
        }

        switch (appended)
        {
            case AppendResult.Taken:
                // A reader declared the stream lost while this instance could not renew its lease.
                _writers.TryRemove(streamId, out _);
                DropTail(writer, abandon: true);
                throw new StreamErrorException(StreamErrorCode.StreamLost);
            case AppendResult.Cancelled:
                // A DELETE on another instance whose pub/sub message this instance may have missed.
                throw new StreamErrorException(StreamErrorCode.Cancelled);
        }

        writer.Seq = seq;
        writer.Bytes += data.Length;
        if (writer.Tail is { } tail)
        {
            tail.Append(streamEvent.WireName, data, streamEvent.IsTerminal, out var grown);
            Interlocked.Add(ref _heldBytes, grown);
        }

        if (streamEvent.IsTerminal)
        {
            // Readers under way keep the ended tail; later ones read Redis.
            _writers.TryRemove(streamId, out _);
            DropTail(writer, abandon: false);
        }

        return seq;
    }

    public async ValueTask<long?> GetLastSeqAsync(string streamId, CancellationToken cancellationToken = default)
    {
        var keys = new StreamKeys(streamId);
        var last = await Call(() => Db.StreamRangeAsync(keys.Events, "-", "+", 1, Order.Descending), cancellationToken);
        if (last.Length > 0)
        {
            return StreamKeys.SeqOf(last[0].Id);
        }

        // Created but nothing appended yet.
        return await Call(() => Db.KeyExistsAsync(keys.Info), cancellationToken) ? 0 : null;
    }

    public IAsyncEnumerable<StoredEvent> ReadAsync(string streamId, long afterSeq, CancellationToken cancellationToken = default) =>
        new RedisStreamReader(this, new StreamKeys(streamId), afterSeq, markSeen: !_produced.ContainsKey(streamId), _writers.TryGetValue(streamId, out var w) ? w.Tail : null)
            .ReadAsync(cancellationToken);

    public async ValueTask<bool> IsReadElsewhereAsync(string streamId, CancellationToken cancellationToken = default) =>
        await Call(() => Db.KeyExistsAsync(new StreamKeys(streamId).Seen), cancellationToken);

    public async ValueTask RequestCancelAsync(string streamId, CancellationToken cancellationToken = default)
    {
        // Recorded first, then announced: pub/sub delivers at most once, and not to an owner that is reconnecting.
        await Call(() => Db.StringSetAsync(new StreamKeys(streamId).Cancel, 1, TimeSpan.FromMilliseconds(LiveTtlMs)), cancellationToken);
        await Call(() => _redis.GetSubscriber().PublishAsync(RedisChannel.Literal(CancelChannel), streamId), cancellationToken);
    }

    public async ValueTask RemoveAsync(string streamId, CancellationToken cancellationToken = default)
    {
        if (_writers.TryRemove(streamId, out var writer))
        {
            DropTail(writer, abandon: true);
        }

        _produced.TryRemove(streamId, out _);
        var keys = new StreamKeys(streamId);
        await Call(() => Db.KeyDeleteAsync([keys.Events, keys.Info, keys.Cancel, keys.Seen]), cancellationToken);
    }

    public void Dispose()
    {
        _leaseTimer.Dispose();
        _redis.GetSubscriber().Unsubscribe(RedisChannel.Literal(CancelChannel), _onCancel, CommandFlags.FireAndForget);
    }

    internal IDatabase Db => _redis.GetDatabase();

    internal ISubscriber Subscriber => _redis.GetSubscriber();

    internal TimeProvider Time => _time;

    internal RedisStreamStoreOptions Settings => _settings;

    /// <summary>Milliseconds a finished stream stays resumable.</summary>
    internal long GraceMs => Math.Max(1, (long)_options.ResumeGrace.TotalMilliseconds);

    /// <summary>Whether the producer of the stream is alive: its instance's lease is held by the boot that created the stream.</summary>
    internal async Task<bool> IsLeaseHeldAsync(StreamKeys keys)
    {
        var owner = await Call(() => Db.HashGetAsync(keys.Info, ["holder", "boot"]));
        if (owner[0].IsNull)
        {
            return false;
        }

        var lease = await Call(() => Db.StringGetAsync(StreamKeys.InstanceLease(owner[0].ToString())));
        return !lease.IsNull && lease == owner[1];
    }

    /// <summary>Appends at <paramref name="seq"/>, unless that seq is taken (another writer got there first) or a cancel was recorded.</summary>
    internal Task<AppendResult> TryAppendAsync(string streamId, long seq, string name, byte[] data, bool terminal, CancellationToken cancellationToken = default)
    {
        var keys = new StreamKeys(streamId);
        return TryAppendAsync([keys.Events, keys.Info, keys.Cancel], keys.Appended, seq, name, data, terminal, cancellationToken);
    }

    private async Task<AppendResult> TryAppendAsync(RedisKey[] keys, RedisValue appended, long seq, string name, byte[] data, bool terminal, CancellationToken cancellationToken)
    {
        var result = (int)await Call(
            () => Db.ScriptEvaluateAsync(
                AppendScript,
                keys,
                [StreamKeys.EntryId(seq), name, data, terminal ? GraceMs : LiveTtlMs, appended, seq, terminal ? "1" : "0"]),
            cancellationToken);
        return (AppendResult)result;
    }

    /// <summary>Runs a Redis call; any Redis failure becomes STORE_UNAVAILABLE. StackExchange.Redis takes no token, so a
    /// cancelled caller stops waiting (the command itself completes or times out on the multiplexer).</summary>
    internal static async Task<T> Call<T>(Func<Task<T>> call, CancellationToken cancellationToken = default)
    {
        try
        {
            return await call().WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            throw Unavailable(ex);
        }
    }

    private static StreamErrorException Unavailable(Exception? inner = null) =>
        new(StreamError.Create(StreamErrorCode.StoreUnavailable, retryAfter: TimeSpan.FromSeconds(1)), inner);

    // While running, a stream outlives its longest possible generation; the end sets the grace period.
    private long LiveTtlMs => (long)(_options.MaxGenerationTime + _options.ResumeGrace).TotalMilliseconds;

    private void Subscribe()
    {
        try
        {
            _redis.GetSubscriber().Subscribe(RedisChannel.Literal(CancelChannel), _onCancel);
        }
        catch (RedisException)
        {
            // Not connected yet: ConnectionRestored subscribes.
        }
    }

    /// <summary>One heartbeat per instance: the renewal load does not grow with the number of streams.</summary>
    private void RenewLease()
    {
        if (!_redis.IsConnected)
        {
            return;
        }

        Db.StringSet(StreamKeys.InstanceLease(_options.InstanceId), _boot, _settings.LeaseDuration, flags: CommandFlags.FireAndForget);
    }

    /// <summary>Stops keeping the stream's events here; <paramref name="abandon"/> sends its readers on to Redis.</summary>
    private void DropTail(StreamWriter writer, bool abandon)
    {
        if (Interlocked.Exchange(ref writer.Tail, null) is not { } tail)
        {
            return;
        }

        // Abandoned first: an append racing this one then adds nothing, so the count stays exact.
        if (abandon)
        {
            tail.Abandon();
        }

        Interlocked.Add(ref _heldBytes, -tail.HeldBytes);
    }

    /// <summary>What this instance knows of a stream it produces. Only its generation task appends.</summary>
    private sealed class StreamWriter(StreamKeys keys)
    {
        /// <summary>The append script's keys, made once per stream rather than four interpolated strings per event.</summary>
        public RedisKey[] AppendKeys { get; } = [keys.Events, keys.Info, keys.Cancel];

        public RedisValue AppendedChannel { get; } = keys.Appended;

        /// <summary>
        /// The events appended so far, while the stream is produced here: this instance's readers follow them in memory
        /// instead of an XRANGE and a notification per event. Null once it ended or was abandoned.
        /// </summary>
        public StreamBuffer? Tail;

        public long Seq { get; set; }

        public long Bytes { get; set; }
    }

    /// <summary>What the append script answered.</summary>
    internal enum AppendResult
    {
        Taken = 0,
        Appended = 1,
        Cancelled = 2,
    }
}
