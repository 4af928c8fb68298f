using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Relay.Edge.Streams;
using Relay.Edge.Streams.Redis;
using Relay.Providers;

namespace Relay.Edge;

/// <summary>Hosts Relay Edge in any ASP.NET Core app: the edge's own Program and the CLI's in-process edge.</summary>
public static class RelayEdgeExtensions
{
    /// <summary>Adds the edge's services: options, the provider (OpenRouter or the embedded simulator), the stream store.</summary>
    public static IServiceCollection AddRelayEdge(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSingleton<RelayEdgeOptionsSetup>();
        services.AddSingleton<IConfigureOptions<RelayEdgeOptions>>(sp => sp.GetRequiredService<RelayEdgeOptionsSetup>());
        services.AddSingleton<IValidateOptions<RelayEdgeOptions>>(sp => sp.GetRequiredService<RelayEdgeOptionsSetup>());
        services.AddOptions<RelayEdgeOptions>().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        // Which upstream is decided from configuration now, before the container is built.
        var probe = new RelayEdgeOptions();
        new RelayEdgeOptionsSetup(configuration).Configure(probe);
        var client = services.AddOpenRouterProvider(o =>
        {
            // The `OpenRouter` section tunes the provider (e.g. OpenRouter:IdleTimeout); key and URL come from the edge's settings.
            configuration.GetSection("OpenRouter").Bind(o);
            o.ApiKey = probe.ApiKey;
            o.BaseUrl = probe.UsesEmbeddedSimulator ? EdgeDefaults.SimulatorPlaceholder : probe.BaseUrl ?? OpenRouterOptions.DefaultBaseUrl;
            o.AppTitle = "Relay";
        });
        if (probe.UsesEmbeddedSimulator)
        {
            services.AddSingleton<EmbeddedSimulator>();
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedSimulator>());
            services.AddTransient<EmbeddedSimulatorHandler>();
            client.AddHttpMessageHandler<EmbeddedSimulatorHandler>();
        }

        if (probe.Redis is not null)
        {
            services.AddOptions<RedisStreamStoreOptions>().BindConfiguration("Relay:RedisStore");
            services.AddSingleton<RedisConnection>();
            services.TryAddSingleton<IStreamStore, RedisStreamStore>();
        }
        else
        {
            services.TryAddSingleton<IStreamStore, InMemoryStreamStore>();
        }

        services.AddSingleton<EdgeTelemetry>();
        services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(EdgeTelemetry.Name).AddPrometheusExporter())
            .WithTracing(t => t.AddSource(EdgeTelemetry.Name));
        services.AddSingleton<StreamGenerator>();
        services.AddSingleton<Upstream.WholeAnswers>();
        services.AddSingleton<StreamManager>();
        services.AddHostedService<ShutdownCoordinator>();
        services.AddSingleton<TokenAuthenticator>();
        services.AddSingleton<UpstreamLocator>();
        services.AddTrafficLimits(probe, configuration);
        services.AddSingleton<ModelsEndpoint>();
        var health = services.AddHealthChecks().AddCheck<UpstreamHealthCheck>("upstream", tags: ["ready"]);
        if (probe.Redis is not null)
        {
            health.AddCheck<RedisHealthCheck>("store", tags: ["ready"]);
        }

        services.AddHttpClient(UpstreamHealthCheck.ClientName);
        return services;
    }

    /// <summary>Maps <c>/v1/...</c> and the health endpoints.</summary>
    public static IEndpointRouteBuilder MapRelayEdge(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var v1 = endpoints.MapGroup("/v1").AddEndpointFilter<EdgeAuth>().RequireRateLimiting(TrafficLimits.PostPolicy);
        StreamEndpoints.Map(v1);
        OpenAi.OpenAiEndpoints.Map(v1);
        v1.MapGet("/models", (ModelsEndpoint models, HttpContext context) => models.GetAsync(context.RequestAborted));
        v1.MapGet("/models/{**id}", (string id, ModelsEndpoint models, HttpContext context) => models.GetOneAsync(id, context.RequestAborted));
        endpoints.MapHealthChecks("/health", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponse.WriteAsync });
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = HealthResponse.WriteAsync });
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<RelayEdgeOptions>>().Value;
        if (options.Web)
        {
            Web.ChatPage.Map(endpoints);
        }

        if (!options.UsesEmbeddedSimulator)
        {
            var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("Relay.Edge");
            var upstream = options.BaseUrl ?? OpenRouterOptions.DefaultBaseUrl;
            EdgeLog.UsingUpstream(logger, upstream);
        }

        return endpoints;
    }
}
