using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Relay.Providers;

namespace Relay.Edge;

/// <summary>Ready when the upstream's model list answers within 2 s; 401/403 means the key is refused.</summary>
internal sealed class UpstreamHealthCheck(IHttpClientFactory clients, IOptions<RelayEdgeOptions> edge, IOptions<OpenRouterOptions> upstream, IServiceProvider services) : IHealthCheck
{
    public const string ClientName = "relay-health";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        Uri baseUrl;
        if (edge.Value.UsesEmbeddedSimulator)
        {
            var simulator = (EmbeddedSimulator)services.GetService(typeof(EmbeddedSimulator))!;
            if (!simulator.BaseUrl.IsCompleted)
            {
                return HealthCheckResult.Unhealthy("the embedded simulator is starting");
            }

            baseUrl = await simulator.BaseUrl;
        }
        else
        {
            baseUrl = new Uri(upstream.Value.BaseUrl.TrimEnd('/') + "/");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, "models"));
        if (!string.IsNullOrEmpty(upstream.Value.ApiKey))
        {
            request.Headers.Authorization = new("Bearer", upstream.Value.ApiKey);
        }

        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, timeout.Token);
            return (int)response.StatusCode switch
            {
                401 or 403 => HealthCheckResult.Unhealthy("the upstream refused the API key"),
                >= 200 and < 300 => HealthCheckResult.Healthy(edge.Value.UsesEmbeddedSimulator ? "embedded simulator" : "upstream answered"),
                var s => HealthCheckResult.Unhealthy($"the upstream answered {s}"),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the upstream did not answer within 2 s");
        }
    }
}
