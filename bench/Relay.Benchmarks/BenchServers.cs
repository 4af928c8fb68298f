using System.Globalization;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// The servers of a side-by-side run, each its own process as the per-token cost issue asks: the simulator, the Release
/// edge (as published: <c>dotnet Relay.Edge.dll</c>), nginx in front of the simulator (a worker per core), and on request
/// a Redis-backed edge beside the in-memory one. The load generator is the benchmark process itself.
/// </summary>
internal sealed class BenchServers : IAsyncDisposable
{
    private readonly ServerProcess _simulator;
    private readonly RedisServer? _redis;

    private BenchServers(ServerProcess simulator, Uri simulatorUrl, EdgeProcess edge, NginxServer? nginx, RedisServer? redis, EdgeProcess? redisEdge)
    {
        (_simulator, SimulatorUrl, Edge, Nginx, _redis, RedisEdge) = (simulator, simulatorUrl, edge, nginx, redis, redisEdge);
    }

    /// <summary>The simulator's root; its OpenAI-compatible API is under <c>api/v1/</c>.</summary>
    public Uri SimulatorUrl { get; }

    /// <summary>The simulator's process.</summary>
    public int SimulatorPid => _simulator.Id;

    /// <summary>The edge with the in-memory store.</summary>
    public EdgeProcess Edge { get; }

    /// <summary>nginx (proxy_buffering off) in front of the simulator; null when nginx is not installed.</summary>
    public NginxServer? Nginx { get; }

    /// <summary>An edge with the Redis-backed store; null unless asked for and redis-server is installed.</summary>
    public EdgeProcess? RedisEdge { get; }

    /// <param name="workerConnections">nginx's worker_connections: at least 4x the streams run at once.</param>
    /// <param name="withRedis">Also start redis-server and an edge that keeps its streams there.</param>
    /// <param name="ct">Stops the start.</param>
    public static async Task<BenchServers> StartAsync(int workerConnections, bool withRedis, CancellationToken ct)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ExternalServers.Find("dotnet") ?? "dotnet";
        var url = new Uri($"http://127.0.0.1:{ExternalServers.FreePort().ToString(CultureInfo.InvariantCulture)}/");
        var simulator = ServerProcess.Start(
            dotnet,
            [Path.Combine(AppContext.BaseDirectory, "Relay.Simulator.dll"), "--urls", url.ToString().TrimEnd('/'), "--Simulator:TimeToFirstToken=00:00:00"],
            readyLine: "Relay simulator:");
        await simulator.Ready.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var settings = new Dictionary<string, string?>
        {
            ["OPENROUTER_BASE_URL"] = new Uri(url, "api/v1/").ToString(),
            ["RELAY_RATE_LIMIT"] = "0",
            ["RELAY_MAX_STREAMS"] = "100000",
        };

        // RELAY_BENCH_EDGE_ENV="NAME=value;NAME=value" runs the edges with more settings, to compare (e.g. DOTNET_gcServer=1).
        foreach (var pair in (Environment.GetEnvironmentVariable("RELAY_BENCH_EDGE_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (name, value) = pair.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq ? (pair[..eq], pair[(eq + 1)..]) : (pair, "");
            settings[name] = value;
        }

        var edge = await EdgeProcess.StartAsync(settings, cancellationToken: ct);
        var nginx = ExternalServers.Find("nginx") is null ? null : await NginxServer.StartAsync([url], allCores: true, workerConnections: Math.Max(1024, workerConnections), ct);
        RedisServer? redis = null;
        EdgeProcess? redisEdge = null;
        if (withRedis && ExternalServers.Find("redis-server") is not null)
        {
            redis = await RedisServer.StartAsync(ct);
            redisEdge = await EdgeProcess.StartAsync(new Dictionary<string, string?>(settings) { ["RELAY_REDIS"] = redis.Address }, cancellationToken: ct);
        }

        return new BenchServers(simulator, url, edge, nginx, redis, redisEdge);
    }

    /// <summary>Sets the simulator's default knobs (docs: src/Relay.Simulator/README.md).</summary>
    public async Task KnobsAsync(HttpClient http, string knobs, CancellationToken ct)
    {
        using var response = await http.PutAsync(new Uri(SimulatorUrl, "sim/knobs"), new StringContent(knobs), ct);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        if (Nginx is not null)
        {
            await Nginx.DisposeAsync();
        }

        if (RedisEdge is not null)
        {
            await RedisEdge.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        await Edge.DisposeAsync();
        await _simulator.DisposeAsync();
    }
}
