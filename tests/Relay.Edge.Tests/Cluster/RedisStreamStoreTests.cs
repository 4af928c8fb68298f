using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Edge.Streams.Redis;
using Relay.Testing;
using StackExchange.Redis;
using StreamInfo = Relay.Edge.Streams.StreamInfo;

namespace Relay.Edge.Tests.Cluster;

/// <summary>The Redis store against a real redis-server: what two instances sharing it rely on.</summary>
public sealed class RedisStreamStoreTests : IAsyncLifetime
{
    private static readonly StreamInfo Info = new("owner-hash", "{\"fingerprint\":1}", "instance-a");
    private readonly List<IDisposable> _disposables = [];
    private RedisServer? _redis;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Servers.Require("redis-server");
        _redis = await RedisServer.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _disposables)
        {
            d.Dispose();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Events_come_back_in_order_with_their_seqs_from_any_cursor()
    {
        var (a, b) = (Store("a"), Store("b"));
        Assert.True(await a.CreateAsync("s1", Info, Ct));
        Assert.False(await b.CreateAsync("s1", Info with { Instance = "instance-b" }, Ct));
        Assert.Equal(Info, await b.GetInfoAsync("s1", Ct));
        Assert.Equal(0, await b.GetLastSeqAsync("s1", Ct));
        Assert.Null(await b.GetInfoAsync("nope", Ct));
        Assert.Null(await b.GetLastSeqAsync("nope", Ct));

        StreamEvent[] events = [new StartEvent("s1", "m", "p"), new DeltaEvent("héllo 🌊"), new DeltaEvent(" world"), new DoneEvent("stop")];
        for (var i = 0; i < events.Length; i++)
        {
            Assert.Equal(i + 1, await a.AppendAsync("s1", events[i], Ct));
        }

        Assert.Equal(4, await b.GetLastSeqAsync("s1", Ct));
        for (var after = 0; after <= 4; after++)
        {
            var read = await ReadAll(b, "s1", after);
            Assert.Equal(Enumerable.Range(after + 1, 4 - after).Select(n => (long)n), read.Select(e => e.Seq));
            Assert.Equal(events.Skip(after).Select(e => e.WireName), read.Select(e => e.Name));
            Assert.Equal(events.Skip(after).Select(StreamEventSerializer.SerializeData), read.Select(e => e.Data.ToArray()));
        }
    }

    [Fact]
    public async Task A_reader_on_another_instance_gets_each_append_as_it_happens()
    {
        var (a, b) = (Store("a"), Store("b"));
        await a.CreateAsync("live", Info, Ct);
        await a.AppendAsync("live", new StartEvent("live", "m", null), Ct);
        await using var reader = b.ReadAsync("live", 0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(1, reader.Current.Seq);

        // The reader now waits on the notification; each append wakes it.
        for (var i = 0; i < 20; i++)
        {
            var next = reader.MoveNextAsync();
            await a.AppendAsync("live", new DeltaEvent($"t{i}"), Ct);
            Assert.True(await next);
            Assert.Equal(i + 2, reader.Current.Seq);
        }

        await a.AppendAsync("live", new DoneEvent("stop"), Ct);
        Assert.True(await reader.MoveNextAsync());
        Assert.True(reader.Current.IsTerminal);
        Assert.False(await reader.MoveNextAsync());
        Assert.True(await a.IsReadElsewhereAsync("live", Ct));
    }

    [Fact]
    public async Task A_reader_on_the_producing_instance_follows_the_appends_in_memory_with_no_XRANGE_per_event()
    {
        var owner = Store("a");
        await owner.CreateAsync("here", Info, Ct);
        await owner.AppendAsync("here", new StartEvent("here", "m", null), Ct);
        using var redis = await ConnectionMultiplexer.ConnectAsync($"{_redis!.Address},allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var rangesBefore = await RangeCallsAsync(server);

        await using (var reader = owner.ReadAsync("here", 0, Ct).GetAsyncEnumerator(Ct))
        {
            Assert.True(await reader.MoveNextAsync());
            Assert.Equal(1, reader.Current.Seq);
            for (var i = 0; i < 20; i++)
            {
                var next = reader.MoveNextAsync();
                var delta = new DeltaEvent($"t{i}");
                await owner.AppendAsync("here", delta, Ct);
                Assert.True(await next);
                Assert.Equal((i + 2, "delta"), (reader.Current.Seq, reader.Current.Name));
                Assert.Equal(StreamEventSerializer.SerializeData(delta), reader.Current.Data.ToArray());
            }

            Assert.True(owner.HeldBytes > 0);
            await owner.AppendAsync("here", new DoneEvent("stop"), Ct);
            Assert.True(await reader.MoveNextAsync());
            Assert.True(reader.Current.IsTerminal);
            Assert.False(await reader.MoveNextAsync());
        }

        Assert.Equal(rangesBefore, await RangeCallsAsync(server));
        Assert.Equal(0, owner.HeldBytes);

        // Once ended, a new reader (a resume) reads what Redis holds.
        Assert.Equal(22, (await ReadAll(owner, "here", 0)).Count);
        Assert.True(await RangeCallsAsync(server) > rangesBefore);
    }

    [Fact]
    public async Task A_reader_on_the_producing_instance_goes_on_from_Redis_when_the_owner_learns_it_lost_the_stream()
    {
        var (owner, other) = (Store("a"), Store("b"));
        await owner.CreateAsync("taken", Info, Ct);
        await owner.AppendAsync("taken", new StartEvent("taken", "m", null), Ct);
        await using var reader = owner.ReadAsync("taken", 0, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await reader.MoveNextAsync());
        var next = reader.MoveNextAsync();

        // A reader elsewhere declared the stream lost (the owner had not renewed its lease): the owner's next append is refused.
        var lost = new ErrorEvent(StreamError.Create(StreamErrorCode.StreamLost));
        await other.TryAppendAsync("taken", 2, lost.WireName, StreamEventSerializer.SerializeData(lost), terminal: true, Ct);
        var ex = await Assert.ThrowsAsync<StreamErrorException>(() => owner.AppendAsync("taken", new DeltaEvent("late"), Ct).AsTask());
        Assert.Equal(StreamErrorCode.StreamLost, ex.Error.Code);
        Assert.Equal(0, owner.HeldBytes);

        Assert.True(await next);
        Assert.Equal(2, reader.Current.Seq);
        Assert.Equal(StreamErrorCode.StreamLost, Assert.IsType<ErrorEvent>(reader.Current.ToStreamEvent("taken")).Error.Code);
        Assert.False(await reader.MoveNextAsync());
    }

    [Fact]
    public async Task A_cancel_recorded_while_the_owner_was_away_stops_its_next_append_but_lets_the_terminal_event_in()
    {
        var (owner, other) = (Store("a"), Store("b"));
        await owner.CreateAsync("missed-cancel", Info, Ct);
        await owner.AppendAsync("missed-cancel", new StartEvent("missed-cancel", "m", null), Ct);

        // The owner missed the pub/sub message (as while reconnecting): the record in Redis still reaches its next append.
        await other.RequestCancelAsync("missed-cancel", Ct);
        var ex = await Assert.ThrowsAsync<StreamErrorException>(() => owner.AppendAsync("missed-cancel", new DeltaEvent("more"), Ct).AsTask());
        Assert.Equal(StreamErrorCode.Cancelled, ex.Error.Code);
        Assert.Equal(2, await owner.AppendAsync("missed-cancel", new ErrorEvent(StreamError.Create(StreamErrorCode.Cancelled)), Ct));
        Assert.Equal(["start", "error"], (await ReadAll(other, "missed-cancel", 0)).Select(e => e.Name));
    }

    [Fact]
    public async Task One_heartbeat_key_per_instance_however_many_streams_it_produces()
    {
        var owner = Store("hb");
        for (var i = 0; i < 20; i++)
        {
            await owner.CreateAsync($"beat-{i:D2}", Info, Ct);
            await owner.AppendAsync($"beat-{i:D2}", new StartEvent($"beat-{i:D2}", "m", null), Ct);
        }

        using var redis = await ConnectionMultiplexer.ConnectAsync(_redis!.Address);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        Assert.Single(server.Keys(pattern: "relay:instance:hb"));
        Assert.Empty(server.Keys(pattern: "relay:{beat-*}:lease"));
    }

    [Fact]
    public async Task Redis_refuses_a_second_writer_for_a_taken_seq()
    {
        var (a, b) = (Store("a"), Store("b"));
        await a.CreateAsync("race", Info, Ct);
        await a.AppendAsync("race", new StartEvent("race", "m", null), Ct);
        var data = StreamEventSerializer.SerializeData(new DeltaEvent("intruder"));
        Assert.Equal(RedisStreamStore.AppendResult.Taken, await b.TryAppendAsync("race", 1, "delta", data, terminal: false, Ct));
        Assert.Equal(RedisStreamStore.AppendResult.Appended, await b.TryAppendAsync("race", 2, "delta", data, terminal: false, Ct));

        // The owner's next write takes seq 2, which is gone: it learns it lost the stream.
        var ex = await Assert.ThrowsAsync<StreamErrorException>(() => a.AppendAsync("race", new DeltaEvent("late"), Ct).AsTask());
        Assert.Equal(StreamErrorCode.StreamLost, ex.Error.Code);
    }

    [Fact]
    public async Task A_stream_lives_while_running_and_for_the_grace_period_after_its_end()
    {
        var a = Store("a", grace: TimeSpan.FromSeconds(5));
        await a.CreateAsync("ttl", Info, Ct);
        await a.AppendAsync("ttl", new StartEvent("ttl", "m", null), Ct);
        using var redis = await ConnectionMultiplexer.ConnectAsync(_redis!.Address);
        var db = redis.GetDatabase();
        var live = await db.KeyTimeToLiveAsync("relay:{ttl}:events");
        Assert.InRange(live!.Value, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10.1));
        await a.AppendAsync("ttl", new DoneEvent("stop"), Ct);
        Assert.InRange((await db.KeyTimeToLiveAsync("relay:{ttl}:events"))!.Value, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));
        Assert.InRange((await db.KeyTimeToLiveAsync("relay:{ttl}:info"))!.Value, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));
        await a.RemoveAsync("ttl", Ct);
        Assert.False(await db.KeyExistsAsync("relay:{ttl}:events"));
        Assert.Null(await a.GetInfoAsync("ttl", Ct));
    }

    [Fact]
    public async Task A_reader_elsewhere_gets_STREAM_LOST_once_the_owner_stops_renewing_its_lease()
    {
        var owner = Store("a");
        var reader = Store("b");
        await owner.CreateAsync("orphan", Info, Ct);
        await owner.AppendAsync("orphan", new StartEvent("orphan", "m", null), Ct);
        await owner.AppendAsync("orphan", new DeltaEvent("partial"), Ct);

        // The owner "crashes": it renews no more. Its 300 ms lease lapses and the reader says so.
        owner.Dispose();
        var read = await ReadAll(reader, "orphan", 0);
        Assert.Equal(["start", "delta", "error"], read.Select(e => e.Name));
        var lost = Assert.IsType<ErrorEvent>(read[^1].ToStreamEvent("orphan"));
        Assert.Equal(StreamErrorCode.StreamLost, lost.Error.Code);
        Assert.True(lost.Error.Retryable);
        Assert.Equal(3, read[^1].Seq);

        // The end is in the stream: a later reader sees the same.
        Assert.Equal(read.Select(e => e.Seq), (await ReadAll(Store("c"), "orphan", 0)).Select(e => e.Seq));
    }

    [Fact]
    public async Task A_reader_that_missed_the_last_notification_still_reads_the_end_the_owner_wrote_before_it_died()
    {
        var owner = Store("a");
        await owner.CreateAsync("ended", Info, Ct);
        await owner.AppendAsync("ended", new StartEvent("ended", "m", null), Ct);
        await owner.AppendAsync("ended", new DeltaEvent("all of it"), Ct);
        using var redis = await ConnectionMultiplexer.ConnectAsync(_redis!.Address + ",allowAdmin=true");
        var db = redis.GetDatabase();

        // Know when the reader has looked (its XRANGE marks the stream seen) and waits for the next append.
        await redis.GetServer(redis.GetEndPoints()[0]).ConfigSetAsync("notify-keyspace-events", "K$");
        var looked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal("__keyspace@0__:relay:{ended}:seen"), (_, _) => looked.TrySetResult());
        var reader = Store("b");
        var read = ReadAll(reader, "ended", 2);
        await looked.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // The owner writes its end, the reader misses the notification, and the owner dies: the end is still read.
        var done = StreamEventSerializer.SerializeData(new DoneEvent("stop"));
        await db.StreamAddAsync("relay:{ended}:events", [new NameValueEntry("n", "done"), new NameValueEntry("d", done)], "0-3");
        owner.Dispose();
        await db.KeyDeleteAsync("relay:instance:a");
        var events = await read.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.Equal([3L], events.Select(e => e.Seq));
        Assert.Equal("done", events[0].Name);
    }

    [Fact]
    public async Task Only_a_reader_on_another_instance_marks_a_stream_read_elsewhere()
    {
        var (owner, other) = (Store("a"), Store("b"));
        await owner.CreateAsync("seen", Info, Ct);
        await owner.AppendAsync("seen", new StartEvent("seen", "m", null), Ct);
        await owner.AppendAsync("seen", new DoneEvent("stop"), Ct);

        // The owner counts its own readers in the stream's lifetime; the marker is for the readers it cannot see.
        Assert.Equal(2, (await ReadAll(owner, "seen", 0)).Count);
        Assert.False(await owner.IsReadElsewhereAsync("seen", Ct));
        Assert.Equal(2, (await ReadAll(other, "seen", 0)).Count);
        Assert.True(await owner.IsReadElsewhereAsync("seen", Ct));
    }

    [Fact]
    public async Task The_lease_is_renewed_while_the_owner_lives()
    {
        var owner = Store("a");
        await owner.CreateAsync("held", Info, Ct);
        await owner.AppendAsync("held", new StartEvent("held", "m", null), Ct);
        var reader = Store("b");
        await using var events = reader.ReadAsync("held", 1, Ct).GetAsyncEnumerator(Ct);

        // Over three lease lifetimes with no append the reader keeps waiting: the live owner renews its lease.
        var next = events.MoveNextAsync().AsTask();
        await Assert.ThrowsAsync<TimeoutException>(() => next.WaitAsync(TimeSpan.FromMilliseconds(900), Ct));
        await owner.AppendAsync("held", new DeltaEvent("still here"), Ct);
        Assert.True(await next);
        Assert.Equal("delta", events.Current.Name);
    }

    [Fact]
    public async Task A_cancel_asked_for_on_one_instance_is_raised_on_the_others()
    {
        var (a, b) = (Store("a"), Store("b"));
        var raised = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.CancelRequested += raised.SetResult;
        await b.RequestCancelAsync("wanted", Ct);
        Assert.Equal("wanted", await raised.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task Without_redis_calls_fail_fast_with_STORE_UNAVAILABLE()
    {
        var port = ExternalServers.FreePort();
        var store = Store("a", address: $"127.0.0.1:{port}");
        var create = await Assert.ThrowsAsync<StreamErrorException>(() => store.CreateAsync("x", Info, Ct).AsTask());
        Assert.Equal(StreamErrorCode.StoreUnavailable, create.Error.Code);
        Assert.Equal(503, create.Error.HttpStatus);
        var info = await Assert.ThrowsAsync<StreamErrorException>(() => store.GetInfoAsync("x", Ct).AsTask());
        Assert.Equal(StreamErrorCode.StoreUnavailable, info.Error.Code);
        var read = await ReadAll(store, "x", 0);
        Assert.Equal(StreamErrorCode.StoreUnavailable, Assert.IsType<ErrorEvent>(Assert.Single(read).ToStreamEvent("x")).Error.Code);
    }

    private RedisStreamStore Store(string instance, TimeSpan? grace = null, string? address = null)
    {
        var options = Options.Create(new RelayEdgeOptions { Redis = address ?? _redis!.Address, InstanceId = instance, ResumeGrace = grace ?? TimeSpan.FromSeconds(30) });
        var connection = new RedisConnection(options);
        var store = new RedisStreamStore(
            connection,
            options,
            Options.Create(new RedisStreamStoreOptions { LeaseDuration = TimeSpan.FromMilliseconds(300), LeaseRenewal = TimeSpan.FromMilliseconds(100), LeaseCheck = TimeSpan.FromMilliseconds(100) }),
            TimeProvider.System);
        _disposables.Add(store);
        _disposables.Add(connection);
        return store;
    }

    private static async Task<long> RangeCallsAsync(IServer server)
    {
        var stats = (string)(await server.ExecuteAsync("INFO", "commandstats"))!;
        var match = System.Text.RegularExpressions.Regex.Match(stats, @"cmdstat_xrange:calls=(\d+)");
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static async Task<List<StoredEvent>> ReadAll(IStreamStore store, string id, long after)
    {
        var list = new List<StoredEvent>();
        await foreach (var e in store.ReadAsync(id, after, Ct))
        {
            list.Add(new StoredEvent(e.Seq, e.Name, e.Data.ToArray()));
        }

        return list;
    }
}
