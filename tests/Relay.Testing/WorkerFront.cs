using System.Globalization;

namespace Relay.Testing;

/// <summary>
/// deploy/cloudflare's Worker in the real Workers runtime: npm <c>wrangler dev</c> runs it in workerd on loopback, offline,
/// in front of some edges (<c>RELAY_ORIGINS</c>). Its ports, state folder and inspector are its own, so several run at once.
/// </summary>
public sealed class WorkerFront : IAsyncDisposable
{
    private readonly ServerProcess _process;
    private readonly string _state;

    private WorkerFront(ServerProcess process, string state, int port)
    {
        (_process, _state) = (process, state);
        Url = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
    }

    /// <summary>Where clients connect.</summary>
    public Uri Url { get; }

    /// <summary>The Worker's folder.</summary>
    public static string Folder => Path.Combine(ExternalServers.RepositoryRoot, "deploy", "cloudflare");

    private static string Wrangler => Path.Combine(Folder, "node_modules", "wrangler", "bin", "wrangler.js");

    /// <summary>Why the Worker cannot run here (no node, or <c>npm ci</c> not run in deploy/cloudflare), or null.</summary>
    public static string? Missing =>
        ExternalServers.Find("node") is null ? "node is not on PATH (Node.js 20.3 or newer)"
        : !File.Exists(Wrangler) ? "wrangler is not installed: run npm ci in deploy/cloudflare"
        : null;

    /// <summary>Starts <c>wrangler dev</c> with the given origins and waits until it serves.</summary>
    public static async Task<WorkerFront> StartAsync(IEnumerable<Uri> origins, CancellationToken cancellationToken = default)
    {
        var port = ExternalServers.FreePort();
        var state = Directory.CreateTempSubdirectory("relay-wrangler-").FullName;
        var process = ServerProcess.Start(
            ExternalServers.Find("node")!,
            [
                Wrangler, "dev", "--config", Path.Combine(Folder, "wrangler.toml"),
                "--ip", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
                "--inspector-port", ExternalServers.FreePort().ToString(CultureInfo.InvariantCulture),
                "--var", "RELAY_ORIGINS:" + string.Join(",", origins.Select(o => o.ToString().TrimEnd('/'))),
                "--persist-to", state, "--show-interactive-dev-session=false", "--log-level", "warn",
            ],
            new Dictionary<string, string?>
            {
                ["WRANGLER_SEND_METRICS"] = "false",

                // Offline and loopback only: no Request.cf download, and wrangler's update check asks a dead local port.
                ["CLOUDFLARE_CF_FETCH_ENABLED"] = "false",
                ["npm_config_registry"] = "http://127.0.0.1:9/",
                ["HOME"] = state,
            });
        var worker = new WorkerFront(process, state, port);
        try
        {
            await ExternalServers.WaitForPortAsync(port, TimeSpan.FromSeconds(60), cancellationToken);
            // Any answer from an origin (an edge, the simulator) but 502 and 503: a dead origin met round robin, or
            // wrangler still loading the Worker.
            await ExternalServers.WaitAnswerAsync(worker.Url, status => status is not (System.Net.HttpStatusCode.BadGateway or System.Net.HttpStatusCode.ServiceUnavailable), TimeSpan.FromSeconds(60), cancellationToken);
        }
        catch (Exception ex)
        {
            var output = process.Output;
            await worker.DisposeAsync();
            throw new InvalidOperationException($"wrangler dev did not serve: {ex.Message}\n{output}", ex);
        }

        return worker;
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_state, recursive: true);
    }
}
