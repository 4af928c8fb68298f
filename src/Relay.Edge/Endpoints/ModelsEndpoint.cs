using System.Text.Json;

namespace Relay.Edge;

/// <summary>
/// <c>GET /v1/models</c>: the upstream's list in OpenAI's shape
/// (<c>{"object":"list","data":[{"id","object":"model","created","owned_by"}]}</c>), cached for 10 minutes.
/// </summary>
internal sealed class ModelsEndpoint(IHttpClientFactory clients, UpstreamLocator upstream, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(10);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (byte[] Body, DateTimeOffset Until)? _cache;

    public async Task<IResult> GetAsync(CancellationToken cancellationToken)
    {
        var (body, error) = await GetListAsync(cancellationToken);
        return error ?? Results.Bytes(body!, "application/json");
    }

    /// <summary>
    /// <c>GET /v1/models/{id}</c> (the OpenAI SDKs' <c>models.retrieve</c>): one entry of the list, or 404 in OpenAI's error
    /// shape. Ids hold '/', so the route takes the rest of the path, and an escaped <c>%2F</c> is accepted too.
    /// </summary>
    public async Task<IResult> GetOneAsync(string id, CancellationToken cancellationToken)
    {
        id = Uri.UnescapeDataString(id);
        var (body, error) = await GetListAsync(cancellationToken);
        if (error is not null)
        {
            return error;
        }

        using var doc = JsonDocument.Parse(body);
        foreach (var model in doc.RootElement.GetProperty("data").EnumerateArray())
        {
            if (model.GetProperty("id").ValueEquals(id))
            {
                return Results.Text(model.GetRawText(), "application/json");
            }
        }

        return OpenAi.OpenAiErrors.Result(Contracts.StreamError.Create(Contracts.StreamErrorCode.ModelNotFound, $"The model '{id}' does not exist."));
    }

    private async Task<(byte[]? Body, IResult? Error)> GetListAsync(CancellationToken cancellationToken)
    {
        if (_cache is { } c && c.Until > time.GetUtcNow())
        {
            return (c.Body, null);
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            using var request = await upstream.CreateGetAsync("models");
            if (request is null)
            {
                return (null, ErrorResults.For(Contracts.StreamErrorCode.UpstreamUnavailable, "The embedded simulator is starting."));
            }

            using var response = await clients.CreateClient(UpstreamHealthCheck.ClientName).SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, ErrorResults.For(Contracts.StreamErrorCode.UpstreamUnavailable, $"The upstream's model list answered {(int)response.StatusCode}."));
            }

            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            var body = Convert(doc.RootElement);
            _cache = (body, time.GetUtcNow() + CacheFor);
            return (body, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            return (null, ErrorResults.For(Contracts.StreamErrorCode.UpstreamUnavailable, "The upstream's model list could not be read."));
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose() => _refresh.Dispose();

    private static byte[] Convert(JsonElement upstream)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("object", "list");
            w.WriteStartArray("data");
            if (upstream.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                foreach (var m in data.EnumerateArray())
                {
                    if (!m.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    var slug = id.GetString()!;
                    w.WriteStartObject();
                    w.WriteString("id", slug);
                    w.WriteString("object", "model");
                    w.WriteNumber("created", m.TryGetProperty("created", out var created) && created.TryGetInt64(out var t) ? t : 0);
                    w.WriteString("owned_by", slug.Contains('/', StringComparison.Ordinal) ? slug[..slug.IndexOf('/', StringComparison.Ordinal)] : "relay");
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
