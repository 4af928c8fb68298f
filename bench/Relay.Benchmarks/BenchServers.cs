using System.Globalization;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// The servers of a side-by-side run, each its own process as the per-token cost issue asks: the simulator, the edge as
/// docs/deployment.md publishes it (native, <c>dotnet publish src/Relay.Edge -c Release -p:PublishAot=true</c>, once per
/// benchmark run), nginx in front of the simulator (a worker per core), and on request a Redis-backed edge beside the
/// in-memory one. The load generator is the benchmark process itself.
/// </summary>
internal sealed class BenchServers : IAsyncDisposable
{
    private static readonly SemaphoreSlim PublishGate = new(1, 1);
    private static string? _publishedEdge;

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

        var executable = await PublishedEdgeAsync(ct);
        var edge = await EdgeProcess.StartAsync(settings, executable: executable, cancellationToken: ct);
        var nginx = ExternalServers.Find("nginx") is null ? null : await NginxServer.StartAsync([url], allCores: true, workerConnections: Math.Max(1024, workerConnections), ct);
        RedisServer? redis = null;
        EdgeProcess? redisEdge = null;
        if (withRedis && ExternalServers.Find("redis-server") is not null)
        {
            redis = await RedisServer.StartAsync(ct);
            redisEdge = await EdgeProcess.StartAsync(new Dictionary<string, string?>(settings) { ["RELAY_REDIS"] = redis.Address }, executable: executable, cancellationToken: ct);
        }

        return new BenchServers(simulator, url, edge, nginx, redis, redisEdge);
    }

    /// <summary>The native edge, published the way docs/deployment.md prints it, once per benchmark process.</summary>
    private static async Task<string> PublishedEdgeAsync(CancellationToken ct)
    {
        await PublishGate.WaitAsync(ct);
        try
        {
            if (_publishedEdge is null)
            {
                // Beside the benchmark's build, so each run overwrites the last instead of leaving 60 MB in /tmp.
                var output = Path.Combine(AppContext.BaseDirectory, "published-edge");
                using var publish = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", ["publish", "src/Relay.Edge", "-c", "Release", "-p:PublishAot=true", "-o", output])
                {
                    WorkingDirectory = ExternalServers.RepositoryRoot,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!;
                var log = publish.StandardOutput.ReadToEndAsync(ct);
                var errors = publish.StandardError.ReadToEndAsync(ct);
                await publish.WaitForExitAsync(ct);
                if (publish.ExitCode != 0)
                {
                    throw new InvalidOperationException($"dotnet publish src/Relay.Edge exited {publish.ExitCode}: {await log}{await errors}");
                }

                _publishedEdge = Path.Combine(output, "Relay.Edge");
            }

            return _publishedEdge;
        }
        finally
        {
            PublishGate.Release();
        }
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
