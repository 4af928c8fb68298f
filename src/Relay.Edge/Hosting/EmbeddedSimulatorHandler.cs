namespace Relay.Edge;

/// <summary>Sends the provider's requests to the embedded simulator, whose port is known only once it started.</summary>
internal sealed class EmbeddedSimulatorHandler(EmbeddedSimulator simulator) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var baseUrl = await simulator.BaseUrl.WaitAsync(cancellationToken);
        request.RequestUri = new Uri(baseUrl, request.RequestUri!.PathAndQuery.TrimStart('/').Replace(EdgeDefaults.SimulatorPlaceholderPath, "", StringComparison.Ordinal));
        return await base.SendAsync(request, cancellationToken);
    }
}
