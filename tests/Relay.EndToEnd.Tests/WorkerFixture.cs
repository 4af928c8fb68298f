using Relay.Edge;
using Relay.Simulator;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// A paced simulator, Redis, two edges sharing streams through it (with <c>RELAY_TOKENS</c>), and deploy/cloudflare's
/// Worker in front of both under <c>wrangler dev</c>. Nothing starts where node, wrangler or redis-server is missing;
/// the tests then skip (or fail where CI requires the servers).
/// </summary>
public sealed class WorkerFixture : IAsyncLifetime
{
    public const string Token = "tok-worker";

    private readonly List<IAsyncDisposable> _owned = [];

    /// <summary>Why the stack cannot run here, or null.</summary>
    public string? Missing { get; } = WorkerFront.Missing ?? ExternalServers.Missing("redis-server");

    public SimulatorHost Simulator { get; private set; } = null!;

    public EdgeHost EdgeA { get; private set; } = null!;

    public EdgeHost EdgeB { get; private set; } = null!;

    public WorkerFront Worker { get; private set; } = null!;

    /// <summary>An HttpClient for the Worker, with the token.</summary>
    public HttpClient Http { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (Missing is not null)
        {
            return;
        }

        CleanEnvironment.Apply();
        Simulator = await SimulatorHost.StartAsync(new SimulatorOptions { TimeToFirstToken = TimeSpan.Zero, TokenInterval = TimeSpan.FromMilliseconds(2) });
        _owned.Add(Simulator);
        var redis = await RedisServer.StartAsync();
        _owned.Add(redis);
        var settings = new Dictionary<string, string?>
        {
            ["OPENROUTER_BASE_URL"] = Simulator.BaseUrl.ToString(),
            ["RELAY_REDIS"] = redis.Address,
            ["RELAY_TOKENS"] = Token,
        };
        EdgeA = await EdgeHost.StartAsync(new Dictionary<string, string?>(settings) { ["RELAY_INSTANCE_ID"] = "edge-a" });
        _owned.Add(EdgeA);
        EdgeB = await EdgeHost.StartAsync(new Dictionary<string, string?>(settings) { ["RELAY_INSTANCE_ID"] = "edge-b" });
        _owned.Add(EdgeB);
        Worker = await WorkerFront.StartAsync([EdgeA.Url, EdgeB.Url]);
        _owned.Add(Worker);
        Http = new HttpClient { BaseAddress = Worker.Url, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new("Bearer", Token);
    }

    /// <summary>Skips the test where the stack is missing (fails it where CI requires it).</summary>
    public void Require()
    {
        if (Missing is null)
        {
            return;
        }

        Assert.True(!ExternalServers.Required, $"{Missing}, and {ExternalServers.RequireVariable}=1 requires it");
        Assert.Skip(Missing);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        foreach (var o in Enumerable.Reverse(_owned))
        {
            await o.DisposeAsync();
        }
    }
}
