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

    /// <summary>
    /// Why the Worker cannot run here (no node 20.3 or newer, or its packages could not be installed), or null. The first
    /// call installs deploy/cloudflare's packages (<c>npm ci</c>) when they are missing, so a fresh clone needs no step of
    /// its own; the registry is the one npm is set up with.
    /// </summary>
    public static string? Missing => Installed.Value;

    private static Lazy<string?> Installed { get; } = new(Install);

    private static string? Install()
    {
        if (ExternalServers.Find("node") is not { } node)
        {
            return "node is not on PATH (the Worker's tests need Node.js 20.3 or newer)";
        }

        var version = Run(node, ["--version"]).Output.Trim().TrimStart('v').Split('.');
        if (version.Length < 2 || !int.TryParse(version[0], CultureInfo.InvariantCulture, out var major) || !int.TryParse(version[1], CultureInfo.InvariantCulture, out var minor)
            || major < 20 || (major == 20 && minor < 3))
        {
            return $"node {string.Join('.', version)} is older than 20.3, which wrangler needs";
        }

        if (File.Exists(Wrangler))
        {
            return null;
        }

        if (ExternalServers.Find("npm") is not { } npm)
        {
            return "npm is not on PATH, so deploy/cloudflare's packages cannot be installed";
        }

        var (code, output) = Run(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], Folder);
        return code == 0 && File.Exists(Wrangler) ? null
            : $"npm ci in deploy/cloudflare failed (exit {code.ToString(CultureInfo.InvariantCulture)}): {string.Join(' ', output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3))}";
    }

    private static (int Code, string Output) Run(string file, string[] arguments, string? workingDirectory = null)
    {
        var info = new System.Diagnostics.ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        info.Environment["WRANGLER_SEND_METRICS"] = "false";
        using var process = System.Diagnostics.Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.GetAwaiter().GetResult());
    }

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
