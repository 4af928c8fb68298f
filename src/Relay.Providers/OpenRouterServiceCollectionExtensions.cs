using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Relay.Providers;

/// <summary>Registers <see cref="OpenRouterProvider"/> as the <see cref="ILlmProvider"/>.</summary>
public static class OpenRouterServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="OpenRouterProvider"/> on a typed <see cref="HttpClient"/>. No retry handler is added on
    /// purpose: a retried POST would generate the answer twice; resumption belongs to the edge and client.
    /// </summary>
    public static IHttpClientBuilder AddOpenRouterProvider(this IServiceCollection services, Action<OpenRouterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<OpenRouterOptions>().ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OpenRouterOptions>, OpenRouterOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILlmProvider>(sp => sp.GetRequiredService<OpenRouterProvider>());
        return services.AddHttpClient<OpenRouterProvider>(client => client.Timeout = Timeout.InfiniteTimeSpan);
    }
}
