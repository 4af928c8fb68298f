using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Edge.Streams;

namespace Relay.Edge;

/// <summary>
/// Graceful shutdown: on SIGTERM readiness turns false and new streams get 503; open streams run on within
/// the host's shutdown timeout, then end with STREAM_INTERRUPTED (retryable) so clients reconnect elsewhere.
/// </summary>
internal sealed class ShutdownCoordinator(IHostApplicationLifetime lifetime, StreamManager streams, IOptions<HostOptions> host, TimeProvider time) : IHostedService
{
    /// <summary>How long before the host's deadline the open streams are told to go elsewhere.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    private CancellationTokenRegistration _registration;

    public static bool IsStopping(IHostApplicationLifetime lifetime) => lifetime.ApplicationStopping.IsCancellationRequested;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            var wait = host.Value.ShutdownTimeout - Margin;
            _ = InterruptLaterAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        streams.InterruptAll(StreamErrorCode.StreamInterrupted);
        return Task.CompletedTask;
    }

    private async Task InterruptLaterAsync(TimeSpan wait)
    {
        if (streams.ActiveGenerations > 0)
        {
            await Task.Delay(wait, time);
        }

        streams.InterruptAll(StreamErrorCode.StreamInterrupted);
        await _registration.DisposeAsync();
    }
}
