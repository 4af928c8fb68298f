namespace Relay.Simulator;

/// <summary>
/// The lifetime of a host that runs inside another program (the CLI's in-process edge, the edge's built-in
/// simulator, a test's server): it takes no console signals, so Ctrl+C and SIGTERM stay the embedding program's
/// to handle, and the host stops only when that program stops it. ASP.NET Core's default console lifetime
/// would turn the user's Ctrl+C of one answer into a shutdown of the whole host.
/// </summary>
public sealed class EmbeddedLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
