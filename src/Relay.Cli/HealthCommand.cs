namespace Relay.Cli;

/// <summary><c>relay health</c>: <c>live: ok|fail</c> and <c>ready: ok|fail (reason)</c>; exit 1 when not ready.</summary>
internal sealed class HealthCommand(CliConsole console, TimeProvider time)
{
    public async Task<int> RunAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        await using var edge = await EdgeConnection.OpenAsync(console, settings, time, cancellationToken);
        var health = await edge.Client.GetHealthAsync(cancellationToken);
        await console.Out.WriteLineAsync($"live: {(health.Live ? "ok" : "fail")}");
        await console.Out.WriteLineAsync(health.Ready ? "ready: ok" : $"ready: fail ({health.Reason})");
        return health.Ready ? ExitCodes.Success : ExitCodes.Error;
    }
}
