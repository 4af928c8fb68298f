using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Relay.Client;

/// <summary>Registers <see cref="EdgeClient"/> on a typed HttpClient.</summary>
public static class RelayClientServiceCollectionExtensions
{
    /// <summary>Adds <see cref="EdgeClient"/> (and <see cref="RelayChatClient"/>) for the edge at <see cref="EdgeClientOptions.BaseAddress"/>.</summary>
    public static IHttpClientBuilder AddRelayClient(this IServiceCollection services, Action<EdgeClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new EdgeClientOptions();
        configure(options);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddTransient(sp => new RelayChatClient(sp.GetRequiredService<EdgeClient>()));
        // Streams and whole answers can take minutes: the idle watchdog, not HttpClient.Timeout, decides when one is dead.
        return services.AddHttpClient<EdgeClient>(http =>
            {
                http.BaseAddress = options.BaseAddress;
                http.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddTypedClient((http, sp) => new EdgeClient(http, options, sp.GetRequiredService<TimeProvider>()));
    }
}
