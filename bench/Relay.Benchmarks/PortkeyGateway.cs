using System.Globalization;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// The Portkey AI gateway (npm <c>@portkey-ai/gateway</c>, pinned in bench/portkey), a gateway users pick, run from npm
/// on loopback in front of the simulator as an OpenAI-compatible upstream: a lane beside nginx and the edge.
/// </summary>
internal sealed class PortkeyGateway : IAsyncDisposable
{
    private readonly ServerProcess _process;

    private PortkeyGateway(ServerProcess process, int port, Uri upstream)
    {
        _process = process;
        Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        Upstream = upstream;
    }

    /// <summary>Where clients connect (its OpenAI-compatible route is <c>v1/chat/completions</c>).</summary>
    public Uri Url { get; }

    /// <summary>The OpenAI-compatible base URL it forwards to.</summary>
    public Uri Upstream { get; }

    /// <summary>The process id (for its resident memory).</summary>
    public int ProcessId => _process.Id;

    private static string Folder => Path.Combine(ExternalServers.RepositoryRoot, "bench", "portkey");

    private static string Server => Path.Combine(Folder, "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");

    /// <summary>Why it cannot run here (no node, or <c>npm ci</c> not run in bench/portkey), or null.</summary>
    public static string? Missing =>
        ExternalServers.Find("node") is null ? "node is not on PATH"
        : !File.Exists(Server) ? "the Portkey gateway is not installed: run npm ci in bench/portkey"
        : null;

    /// <summary>Starts the gateway in front of <paramref name="upstream"/> and waits until it answers.</summary>
    /// <param name="upstream">An OpenAI-compatible base URL on loopback (e.g. the simulator's <c>/api/v1/</c>).</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public static async Task<PortkeyGateway> StartAsync(Uri upstream, CancellationToken cancellationToken)
    {
        var port = ExternalServers.FreePort();

        // --port= (its parser knows no other form); --headless: no console UI and no log stream route.
        var process = ServerProcess.Start(
            ExternalServers.Find("node")!,
            ["-r", Path.Combine(Folder, "loopback.cjs"), Server, "--port=" + port.ToString(CultureInfo.InvariantCulture), "--headless"]);
        var gateway = new PortkeyGateway(process, port, upstream);
        try
        {
            await ExternalServers.WaitForPortAsync(port, TimeSpan.FromSeconds(30), cancellationToken);
            // It has no health route: any answer but a server error means it serves (it listens before it is ready).
            await ExternalServers.WaitAnswerAsync(gateway.Url, status => (int)status < 500, TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (Exception ex)
        {
            var output = process.Output;
            await gateway.DisposeAsync();
            throw new InvalidOperationException($"the Portkey gateway did not serve: {ex.Message}\n{output}", ex);
        }

        return gateway;
    }

    /// <summary>A client whose requests Portkey routes to the upstream (OpenAI wire format, a custom host).</summary>
    public HttpClient CreateClient()
    {
        var http = new HttpClient();
        http.DefaultRequestHeaders.Add("x-portkey-provider", "openai");
        http.DefaultRequestHeaders.Add("x-portkey-custom-host", Upstream.ToString().TrimEnd('/'));
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-local");
        return http;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
