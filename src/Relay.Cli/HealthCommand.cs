namespace Relay.Cli;

/// <summary>
/// <c>relay health</c>: <c>live: ok|fail</c> and <c>ready: ok|fail (reason)</c>; exit 1 when not ready. Without an edge URL it
/// checks an edge started in this process, and says so and which upstream that edge would use.
/// </summary>
internal sealed class HealthCommand(CliConsole console, TimeProvider time)
{
    public async Task<int> RunAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        await using var edge = await EdgeConnection.OpenAsync(console, settings, time, cancellationToken);
        var health = await edge.Client.GetHealthAsync(cancellationToken);
        if (edge.InProcessUpstream is { } upstream)
        {
            await console.Out.WriteLineAsync("edge: in-process (no --edge or RELAY_EDGE_URL given), started for this check");
            await console.Out.WriteLineAsync($"upstream: {upstream}");
        }

        await console.Out.WriteLineAsync($"live: {(health.Live ? "ok" : "fail")}");
        await console.Out.WriteLineAsync(health.Ready ? "ready: ok" : $"ready: fail ({health.Reason})");
        return health.Ready ? ExitCodes.Success : ExitCodes.Error;
    }
}
