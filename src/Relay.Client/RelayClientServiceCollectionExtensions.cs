using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Relay.Client;

/// <summary>Registers <see cref="EdgeClient"/> on a typed HttpClient, and <see cref="RelayChatClient"/> as the <see cref="IChatClient"/>.</summary>
public static class RelayClientServiceCollectionExtensions
{
    /// <summary>Adds <see cref="EdgeClient"/> for the edge at <see cref="EdgeClientOptions.BaseAddress"/>.</summary>
    public static IHttpClientBuilder AddRelayClient(this IServiceCollection services, Action<EdgeClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new EdgeClientOptions();
        configure(options);
        services.TryAddSingleton(TimeProvider.System);

        // Streams and whole answers can take minutes: the idle watchdog, not HttpClient.Timeout, decides when one is dead.
        return services.AddHttpClient<EdgeClient>(http =>
            {
                http.BaseAddress = options.BaseAddress;
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddTypedClient((http, sp) => new EdgeClient(http, options, sp.GetRequiredService<TimeProvider>()));
    }

    /// <summary>
    /// Adds <see cref="EdgeClient"/> (as <see cref="AddRelayClient"/> does) and <see cref="RelayChatClient"/> as the
    /// <see cref="IChatClient"/>, through <c>AddChatClient</c>: the returned builder adds the usual pipeline (logging,
    /// caching, function invocation, OpenTelemetry).
    /// </summary>
    public static ChatClientBuilder AddRelayChatClient(this IServiceCollection services, Action<EdgeClientOptions> configureEdge, Action<RelayChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configureEdge);
        services.AddRelayClient(configureEdge);
        var options = new RelayChatClientOptions();
        configure?.Invoke(options);
        return services.AddChatClient(sp => new RelayChatClient(sp.GetRequiredService<EdgeClient>(), options));
    }
}
