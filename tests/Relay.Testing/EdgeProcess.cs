using System.Globalization;

namespace Relay.Testing;

/// <summary>
/// Relay Edge as a separate process (its built Relay.Edge.dll next to the tests), on a loopback port, so a test
/// can kill it the way a crash does.
/// </summary>
public sealed class EdgeProcess : IAsyncDisposable
{
    private readonly ServerProcess _process;

    private EdgeProcess(ServerProcess process, Uri url)
    {
        _process = process;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The process id (for its CPU time and memory).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Its output so far, for failure messages.</summary>
    public string Output => _process.Output;

    /// <summary>Starts the edge with only <paramref name="environment"/> of the Relay settings, and waits until it listens.</summary>
    /// <param name="environment">The settings (environment names).</param>
    /// <param name="port">A port to listen on (e.g. the one of an edge that was killed); default a free one.</param>
    /// <param name="executable">A published native edge to run instead of the built Relay.Edge.dll.</param>
    /// <param name="cancellationToken">Stops the wait.</param>
    public static async Task<EdgeProcess> StartAsync(IDictionary<string, string?> environment, int? port = null, string? executable = null, CancellationToken cancellationToken = default)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? ExternalServers.Find("dotnet") ?? "dotnet";
        var url = new Uri($"http://127.0.0.1:{(port ?? ExternalServers.FreePort()).ToString(CultureInfo.InvariantCulture)}/");
        string[] listen = ["--urls", url.ToString().TrimEnd('/')];
        var process = executable is null
            ? ServerProcess.Start(dotnet, [Path.Combine(AppContext.BaseDirectory, "Relay.Edge.dll"), .. listen], environment, readyLine: "Application started")
            : ServerProcess.Start(executable, listen, environment, readyLine: "Application started");
        var edge = new EdgeProcess(process, url);
        try
        {
            await process.Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            await edge.DisposeAsync();
            throw;
        }

        return edge;
    }

    /// <summary>Kills it at once (SIGKILL): no graceful shutdown, no last words to Redis.</summary>
    public Task KillAsync() => _process.KillAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
