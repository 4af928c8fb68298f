using Microsoft.Extensions.Options;
using Relay.Providers;

namespace Relay.Edge;

/// <summary>Where the upstream is: OpenRouter (or OPENROUTER_BASE_URL), or the embedded simulator once it started.</summary>
internal sealed class UpstreamLocator(IOptions<RelayEdgeOptions> edge, IOptions<OpenRouterOptions> upstream, IServiceProvider services)
{
    /// <summary>The upstream base URL ending in a slash, or null while the embedded simulator is starting.</summary>
    public async ValueTask<Uri?> BaseUrlAsync()
    {
        if (!edge.Value.UsesEmbeddedSimulator)
        {
            return new Uri(upstream.Value.BaseUrl.TrimEnd('/') + "/");
        }

        var simulator = services.GetRequiredService<EmbeddedSimulator>();
        return simulator.BaseUrl.IsCompleted ? await simulator.BaseUrl : null;
    }

    /// <summary>A GET to <c>{base}/{path}</c> with the API key, if any.</summary>
    public async ValueTask<HttpRequestMessage?> CreateGetAsync(string path)
    {
        if (await BaseUrlAsync() is not { } baseUrl)
        {
            return null;
        }

        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, path));
        if (!string.IsNullOrEmpty(upstream.Value.ApiKey))
        {
            request.Headers.Authorization = new("Bearer", upstream.Value.ApiKey);
        }

        return request;
    }
}
