using Microsoft.Extensions.Logging;
using Relay.Client;
using Relay.Edge;

namespace Relay.Cli;

/// <summary>
/// The edge the CLI talks to: the one at --edge / RELAY_EDGE_URL, or, with neither, an edge hosted in this
/// process (OpenRouter with OPENROUTER_API_KEY, the built-in simulator with no key), logging to stderr only.
/// </summary>
internal sealed class EdgeConnection : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly EdgeHost? _host;

    private EdgeConnection(HttpClient http, EdgeHost? host, EdgeClient client)
    {
        _http = http;
        _host = host;
        Client = client;
    }

    public EdgeClient Client { get; }

    public static async Task<EdgeConnection> OpenAsync(CliConsole console, ConnectionSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(settings);
        EdgeHost? host = null;
        var url = settings.EdgeUrl;
        if (url is null)
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENROUTER_API_KEY")) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENROUTER_BASE_URL")))
            {
                await console.Error.WriteLineAsync("relay: no OPENROUTER_API_KEY set, so answers come from the built-in simulator (set it to use OpenRouter)");
            }

            host = await EdgeHost.StartAsync(logging: l => ConfigureLogging(l, console, settings.Verbose), cancellationToken: cancellationToken);
            url = host.Url;
        }

        var http = new HttpClient { BaseAddress = url };
        return new EdgeConnection(http, host, new EdgeClient(http, new EdgeClientOptions { Token = settings.Token }, time));
    }

    /// <summary>The in-process edge logs to stderr only (stdout carries the answer), at Warning unless -v.</summary>
    internal static void ConfigureLogging(ILoggingBuilder logging, CliConsole console, bool verbose)
    {
        logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        logging.AddFilter("Relay.Edge.EmbeddedSimulator", LogLevel.Error); // the CLI says it in its own words
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
