using Microsoft.Extensions.DependencyInjection;
using Relay.Edge;
using Relay.Simulator;

namespace Relay.Testing;

/// <summary>A simulator and an edge in front of it, both on 127.0.0.1 with ephemeral ports, started and ready.</summary>
public sealed class RelayServers : IAsyncDisposable
{
    private RelayServers(SimulatorHost simulator, EdgeHost edge)
    {
        Simulator = simulator;
        Edge = edge;
    }

    public SimulatorHost Simulator { get; }

    public EdgeHost Edge { get; }

    /// <summary>Starts both; the simulator runs unpaced unless <paramref name="simulator"/> says otherwise.</summary>
    public static async Task<RelayServers> StartAsync(
        SimulatorOptions? simulator = null,
        IDictionary<string, string?>? edgeSettings = null,
        Action<IServiceCollection>? edgeServices = null,
        CancellationToken cancellationToken = default)
    {
        CleanEnvironment.Apply();
        var sim = await SimulatorHost.StartAsync(simulator ?? new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.Zero }, cancellationToken);
        var settings = new Dictionary<string, string?> { ["OPENROUTER_BASE_URL"] = sim.BaseUrl.ToString() };
        foreach (var (k, v) in edgeSettings ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        var edge = await EdgeHost.StartAsync(settings, services: edgeServices, cancellationToken: cancellationToken);
        return new RelayServers(sim, edge);
    }

    /// <summary>An HttpClient for the edge.</summary>
    public HttpClient CreateClient(string? token = null)
    {
        var client = new HttpClient { BaseAddress = Edge.Url, Timeout = Timeout.InfiniteTimeSpan };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await Edge.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
