using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Relay.Edge.Streams.Redis;

/// <summary>
/// The one multiplexer of the edge. It starts even when Redis is down (the edge then reports not ready and
/// refuses new streams with STORE_UNAVAILABLE) and reconnects by itself when Redis returns.
/// </summary>
internal sealed class RedisConnection : IDisposable
{
    public RedisConnection(IOptions<RelayEdgeOptions> options)
    {
        var config = ConfigurationOptions.Parse(options.Value.Redis!);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = 2_000;
        config.AsyncTimeout = 2_000;
        config.SyncTimeout = 2_000;
        config.ClientName = $"relay-edge-{options.Value.InstanceId}";

        // Commands fail at once while disconnected instead of queueing: a stream's reader or writer says so now.
        config.BacklogPolicy = BacklogPolicy.FailFast;
        Multiplexer = ConnectionMultiplexer.Connect(config);
    }

    public IConnectionMultiplexer Multiplexer { get; }

    public void Dispose() => Multiplexer.Dispose();
}
