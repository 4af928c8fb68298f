using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Relay.Cli.Config;
using Relay.Client;
using Relay.Edge;

namespace Relay.Cli;

/// <summary>
/// The edge the CLI talks to: the one at --edge / RELAY_EDGE_URL, or, with neither, an edge hosted in this
/// process (OpenRouter with OPENROUTER_API_KEY, the built-in simulator with no key), logging to stderr only.
/// </summary>
internal sealed class EdgeConnection : IAsyncDisposable
{
    private static readonly TimeSpan InProcessShutdown = TimeSpan.FromSeconds(1);

    private readonly HttpClient _http;
    private readonly EdgeHost? _host;

    private EdgeConnection(HttpClient http, EdgeHost? host, EdgeClient client, string? upstream, Uri? externalUrl)
    {
        ExternalUrl = externalUrl;
        _http = http;
        _host = host;
        Client = client;
        InProcessUpstream = upstream;
    }

    public EdgeClient Client { get; }

    /// <summary>The URL of a separate edge (--edge, RELAY_EDGE_URL); null for the edge hosted in this process.</summary>
    public Uri? ExternalUrl { get; }

    /// <summary>For an edge hosted in this process, what answers it ("the built-in simulator", "OpenRouter"); else null.</summary>
    public string? InProcessUpstream { get; }

    /// <summary>What the in-process edge would use, from the same settings it reads.</summary>
    internal static string DescribeUpstream(StoredKey? key = null)
    {
        var baseUrl = Environment.GetEnvironmentVariable("OPENROUTER_BASE_URL");
        if (UsesSimulator(key))
        {
            return "the built-in simulator (no OPENROUTER_API_KEY set)";
        }

        return !string.IsNullOrEmpty(baseUrl) ? $"the API at {baseUrl} (OPENROUTER_BASE_URL)"
            : StoredKeyApplies(key) ? "OpenRouter (the key stored by relay key set)"
            : "OpenRouter (OPENROUTER_API_KEY)";
    }

    /// <summary>The one line that says answers are simulated, shared by ask, chat and serve.</summary>
    internal const string SimulatorNotice = "relay: no OPENROUTER_API_KEY set, so answers come from the built-in simulator (set it to use OpenRouter)";

    internal static bool UsesSimulator(StoredKey? key = null) =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENROUTER_API_KEY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENROUTER_BASE_URL"))
        && key is null;

    /// <summary>
    /// The in-process edge's settings beyond the environment: the stored OpenRouter key, when the environment names
    /// neither a key nor another API (the key is OpenRouter's, never sent to an OPENROUTER_BASE_URL).
    /// </summary>
    internal static Dictionary<string, string?>? EdgeSettings(StoredKey? key) =>
        StoredKeyApplies(key) ? new() { ["OPENROUTER_API_KEY"] = key!.Reveal() } : null;

    private static bool StoredKeyApplies(StoredKey? key) =>
        key is not null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENROUTER_API_KEY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENROUTER_BASE_URL"));

    public static async Task<EdgeConnection> OpenAsync(CliConsole console, ConnectionSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(settings);
        EdgeHost? host = null;
        string? upstream = null;
        var url = settings.EdgeUrl;
        if (url is null)
        {
            if (UsesSimulator(settings.Key) && !settings.Quiet)
            {
                await console.Error.WriteLineAsync(SimulatorNotice);
            }

            // Nobody can reattach to a stream of an edge that dies with this process, so it stops at once.
            host = await EdgeHost.StartAsync(
                configure: EdgeSettings(settings.Key),
                logging: l => ConfigureLogging(l, console, settings.Verbose),
                services: s => s.Configure<HostOptions>(o => o.ShutdownTimeout = InProcessShutdown),
                cancellationToken: cancellationToken);
            url = host.Url;
            upstream = DescribeUpstream(settings.Key);
        }

        var http = new HttpClient { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
        return new EdgeConnection(http, host, new EdgeClient(http, new EdgeClientOptions { Token = settings.Token }, time), upstream, host is null ? url : null);
    }

    /// <summary>
    /// The in-process edge logs to stderr only (stdout carries the answer): for ask and chat only what the CLI does not say
    /// itself (an error reaches the user as one clean error line, not also as the edge's warning), everything with -v. The
    /// edge of <c>relay serve</c> logs as the published edge does: its own information, ASP.NET Core's per-request lines
    /// only with -v.
    /// </summary>
    internal static void ConfigureLogging(ILoggingBuilder logging, CliConsole console, bool verbose, bool serving = false)
    {
        logging.SetMinimumLevel(verbose || serving ? LogLevel.Information : LogLevel.Error);
        if (serving && !verbose)
        {
            logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        }

        logging.AddFilter("Relay.Edge.EmbeddedSimulator", LogLevel.Error); // the CLI says it in its own words
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None); // start-up failures too, in one line
        logging.AddProvider(new StderrLoggerProvider(console.Error));
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
