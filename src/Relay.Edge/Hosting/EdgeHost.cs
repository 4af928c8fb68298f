using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Relay.Simulator;

namespace Relay.Edge;

/// <summary>An edge running in this process, e.g. the CLI's when no --edge is given, or a test's.</summary>
public sealed class EdgeHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EdgeHost(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    /// <summary>The edge's root URL, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The edge's services (for tests).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts an edge on <paramref name="url"/> (default 127.0.0.1 with an ephemeral port).</summary>
    /// <param name="configure">Extra configuration (environment names and <c>Relay:*</c> keys), over the process environment.</param>
    /// <param name="logging">How to log; default: nothing.</param>
    /// <param name="url">Where to listen.</param>
    /// <param name="services">Extra service registrations (tests replace the clock or the provider).</param>
    /// <param name="cancellationToken">Stops the start.</param>
    public static async Task<EdgeHost> StartAsync(
        IDictionary<string, string?>? configure = null,
        Action<ILoggingBuilder>? logging = null,
        string url = "http://127.0.0.1:0",
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        // The environment and the caller's settings only: an embedded edge never reads files from the working
        // directory, and never takes the embedding program's console signals.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddEnvironmentVariables();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        if (configure is not null)
        {
            builder.Configuration.AddInMemoryCollection(configure);
        }

        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls(url);
        builder.Services.AddRelayEdge(builder.Configuration);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseTrafficLimits();
        app.MapRelayEdge();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new EdgeHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
