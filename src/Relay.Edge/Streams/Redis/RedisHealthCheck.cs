using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Relay.Edge.Streams.Redis;

/// <summary>Ready only while Redis answers a PING within 2 s: without it no stream can start.</summary>
internal sealed class RedisHealthCheck(RedisConnection connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!connection.Multiplexer.IsConnected)
        {
            return HealthCheckResult.Unhealthy("Redis is unreachable");
        }

        try
        {
            var rtt = await connection.Multiplexer.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {rtt.TotalMilliseconds:0.0} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Redis did not answer within 2 s");
        }
    }
}
