using Relay.Cli.Config;
using Relay.Edge;

namespace Relay.Cli;

/// <summary>
/// <c>relay serve</c>: the edge (and the simulator when there is no key) in the foreground, until Ctrl+C or SIGTERM, either of
/// which shuts it down gracefully (not ready, open streams end with STREAM_INTERRUPTED within the shutdown timeout) and exits 0.
/// </summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(CliConsole console, InterruptSignal interrupt, string? urls, bool verbose, StoredKey? key, CancellationToken cancellationToken)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnInterrupt() => stop.TrySetResult();
        interrupt.IdleInterrupt += OnInterrupt;
        try
        {
            if (EdgeConnection.UsesSimulator(key))
            {
                await console.Error.WriteLineAsync(EdgeConnection.SimulatorNotice);
            }

            await using var host = await EdgeHost.StartAsync(
                configure: EdgeConnection.EdgeSettings(key),
                logging: l => EdgeConnection.ConfigureLogging(l, console, verbose, serving: true),
                url: urls ?? "http://127.0.0.1:8787",
                cancellationToken: cancellationToken);
            await console.Error.WriteLineAsync($"relay: edge listening on {host.Url} (Ctrl+C stops it)");
            await Task.WhenAny(stop.Task, interrupt.ExitRequested, Task.Delay(Timeout.Infinite, cancellationToken));
            await console.Error.WriteLineAsync("relay: stopping");
            return ExitCodes.Success;
        }
        finally
        {
            interrupt.IdleInterrupt -= OnInterrupt;
        }
    }
}
