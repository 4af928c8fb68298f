using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// The whole chain as separate processes on 127.0.0.1: the simulator, a fault proxy, the edge, and a fault proxy in
/// front of the edge for the CLI. Each process starts with a clean environment and is ended by <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class Chain : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly HttpClient _simulator;
    private readonly Dictionary<string, string?> _edgeSettings;
    private EdgeProcess _edge;

    private Chain(Uri simulator, FaultProxy upstream, EdgeProcess edge, FaultProxy client, Dictionary<string, string?> edgeSettings)
    {
        _simulator = new HttpClient { BaseAddress = simulator, Timeout = TimeSpan.FromSeconds(30) };
        Upstream = upstream;
        _edge = edge;
        Client = client;
        _edgeSettings = edgeSettings;
    }

    /// <summary>The fault proxy between the edge and the simulator.</summary>
    public FaultProxy Upstream { get; }

    /// <summary>The fault proxy between the CLI and the edge: what <see cref="EdgeUrl"/> points at.</summary>
    public FaultProxy Client { get; }

    /// <summary>The edge itself, not through a proxy (for more proxies in front of it).</summary>
    public Uri EdgeDirectUrl => _edge.Url;

    /// <summary>Where the CLI connects (through <see cref="Client"/>).</summary>
    public string EdgeUrl => Client.Url.ToString().TrimEnd('/');

    /// <summary>Starts everything; the simulator paced at <paramref name="interval"/> (1 ms unless a scenario needs otherwise).</summary>
    public static async Task<Chain> StartAsync(TimeSpan? interval = null, TimeSpan? firstToken = null, IDictionary<string, string?>? edgeSettings = null, CancellationToken cancellationToken = default)
    {
        var owned = new List<IAsyncDisposable>();
        try
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ExternalServers.Find("dotnet") ?? "dotnet";
            var port = ExternalServers.FreePort();
            var simUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
            var sim = ServerProcess.Start(
                dotnet,
                [
                    Path.Combine(AppContext.BaseDirectory, "Relay.Simulator.dll"), "--urls", simUrl.ToString().TrimEnd('/'),
                    $"--Simulator:TokenInterval={Span(interval ?? TimeSpan.FromMilliseconds(1))}",
                    $"--Simulator:TimeToFirstToken={Span(firstToken ?? TimeSpan.Zero)}",
                ],
                readyLine: "Relay simulator:");
            owned.Add(sim);
            await sim.Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

            var upstream = new FaultProxy(simUrl);
            owned.Add(upstream);
            var settings = new Dictionary<string, string?>
            {
                ["OPENROUTER_BASE_URL"] = new Uri(upstream.Url, "api/v1/").ToString(),
                ["OPENROUTER_API_KEY"] = "sk-or-e2e-not-a-real-key",
            };
            foreach (var (k, v) in edgeSettings ?? new Dictionary<string, string?>())
            {
                settings[k] = v;
            }

            var edge = await EdgeProcess.StartAsync(settings, cancellationToken: cancellationToken);
            owned.Add(edge);
            var client = new FaultProxy(edge.Url);
            owned.Add(client);
            var chain = new Chain(simUrl, upstream, edge, client, settings);
            chain._owned.AddRange(owned);
            await chain.WaitReadyAsync(cancellationToken);
            return chain;
        }
        catch
        {
            foreach (var o in Enumerable.Reverse(owned))
            {
                await o.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Sets the simulator's knobs for every later request (<c>PUT /sim/knobs</c>).</summary>
    public async Task KnobsAsync(string knobs)
    {
        using var response = await _simulator.PutAsync("sim/knobs", new StringContent(knobs, Encoding.UTF8, "text/plain"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Completes when a stream holds at the gate.</summary>
    public async Task GateReachedAsync(string gate)
    {
        using var response = await _simulator.GetAsync($"sim/gates/{gate}/reached");
        response.EnsureSuccessStatusCode();
    }

    public async Task ReleaseAsync(string gate)
    {
        using var response = await _simulator.PostAsync($"sim/gates/{gate}/release", null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Completes when the simulator has seen <paramref name="count"/> aborts in all; returns their latencies (ms).</summary>
    public async Task<JsonElement> AbortsReachedAsync(int count, TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        return await _simulator.GetFromJsonAsync<JsonElement>($"sim/aborts/{count}/reached", cts.Token);
    }

    public async Task<JsonElement> StatsAsync() => await _simulator.GetFromJsonAsync<JsonElement>("sim/stats");

    /// <summary>Kills the edge process (SIGKILL).</summary>
    public Task KillEdgeAsync() => _edge.KillAsync();

    /// <summary>Starts the edge again on the same port, with the same settings, and waits until it is ready.</summary>
    public async Task RestartEdgeAsync(CancellationToken cancellationToken = default)
    {
        _owned.Remove(_edge);
        await _edge.DisposeAsync();
        _edge = await EdgeProcess.StartAsync(_edgeSettings, _edge.Url.Port, cancellationToken: cancellationToken);
        _owned.Add(_edge);
        await WaitReadyAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _simulator.Dispose();
        foreach (var o in Enumerable.Reverse(_owned))
        {
            await o.DisposeAsync();
        }
    }

    private Task WaitReadyAsync(CancellationToken cancellationToken) => ExternalServers.WaitReadyAsync(_edge.Url, TimeSpan.FromSeconds(30), cancellationToken);

    private static string Span(TimeSpan t) => t.ToString("c", CultureInfo.InvariantCulture);
}
