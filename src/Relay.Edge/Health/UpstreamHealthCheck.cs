using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Relay.Edge;

/// <summary>Ready when the upstream's model list answers within 2 s; 401/403 means the key is refused.</summary>
internal sealed class UpstreamHealthCheck(IHttpClientFactory clients, UpstreamLocator upstream, IOptions<RelayEdgeOptions> edge, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public const string ClientName = "relay-upstream";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (ShutdownCoordinator.IsStopping(lifetime))
        {
            return HealthCheckResult.Unhealthy("the edge is shutting down");
        }

        using var request = await upstream.CreateGetAsync("models");
        if (request is null)
        {
            return HealthCheckResult.Unhealthy("the embedded simulator is starting");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
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
