using Relay.Testing;

namespace Relay.Edge.Tests;

/// <summary>One unpaced simulator and one edge for a test class; tests set the simulator's knobs they need.</summary>
public sealed class EdgeFixture : IAsyncLifetime
{
    public RelayServers Stack { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Stack = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_RESUME_GRACE"] = "0.3" });
        Http = Stack.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Stack.DisposeAsync();
    }
}
