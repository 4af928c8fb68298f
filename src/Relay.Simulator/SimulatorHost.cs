using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Relay.Simulator;

/// <summary>The simulator in-process on 127.0.0.1 with an ephemeral port: for tests, the edge and the CLI.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, Uri rootUrl)
    {
        _app = app;
        RootUrl = rootUrl;
        BaseUrl = new Uri(rootUrl, "api/v1/");
        State = app.Services.GetRequiredService<SimulatorState>();
    }

    /// <summary>The server's root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri RootUrl { get; }

    /// <summary>The OpenRouter-compatible base URL, <c>http://127.0.0.1:{port}/api/v1/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The gates (see the <c>gate</c> knob).</summary>
    public SimulatorGates Gates => State.Gates;

    /// <summary>Knobs applied to every request unless its header overrides them.</summary>
    public string? DefaultKnobs
    {
        get => State.DefaultKnobs;
        set => State.DefaultKnobs = value;
    }

    private SimulatorState State { get; }

    /// <summary>Starts the simulator.</summary>
    public static async Task<SimulatorHost> StartAsync(SimulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Nothing from files: an embedded simulator is configured by its caller only, never by the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRelaySimulator(configure: o =>
        {
            if (options is not null)
            {
                o.TimeToFirstToken = options.TimeToFirstToken;
                o.TokenInterval = options.TokenInterval;
                o.Seed = options.Seed;
                o.DefaultKnobs = options.DefaultKnobs;
            }
        });
        var app = builder.Build();
        app.MapRelaySimulator();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorHost(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>The counters.</summary>
    public SimulatorStats GetStats() => State.GetStats();

    /// <summary>Completes once at least <paramref name="count"/> answers were aborted by their clients.</summary>
    public Task WaitForAbortsAsync(int count, CancellationToken cancellationToken = default) => State.WaitForAbortsAsync(count, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
