using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Relay.Contracts;

namespace Relay.Client;

/// <summary>
/// The .NET client of Relay Edge: streamed answers that survive dropped connections (reconnection with
/// exponential backoff, jitter and Last-Event-ID), whole answers, resuming a stream by id, cancel, models and health. It speaks HTTP and
/// the contracts only, exactly what curl or a browser would see.
/// </summary>
public sealed class EdgeClient
{
    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly EdgeClientOptions _options;
    private readonly StreamReconnectionManager _streams;

    /// <summary>
    /// Creates the client over an HttpClient whose BaseAddress is the edge's root (or set <see cref="EdgeClientOptions.BaseAddress"/>).
    /// The HttpClient is used as it is, never changed, so it can be shared. Streams read their body after the headers, which
    /// <see cref="HttpClient.Timeout"/> does not bound (the idle watchdog ends a dead stream); a whole answer
    /// (<see cref="ChatAsync"/>) is one request that <see cref="HttpClient.Timeout"/> does bound, so give an HttpClient used for
    /// long whole answers <see cref="Timeout.InfiniteTimeSpan"/>, as <c>AddRelayClient</c> does.
    /// </summary>
    public EdgeClient(HttpClient httpClient, EdgeClientOptions? options = null, TimeProvider? timeProvider = null)
        : this(httpClient, options, timeProvider, random: null)
    {
    }

    /// <summary>The same, with the jitter's uniform [0, 1) source given (tests).</summary>
    internal EdgeClient(HttpClient httpClient, EdgeClientOptions? options, TimeProvider? timeProvider, Func<double>? random)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _options = options ?? new EdgeClientOptions();
        _http = httpClient;
        var root = httpClient.BaseAddress ?? _options.BaseAddress
            ?? throw new ArgumentException("The HttpClient needs a BaseAddress (or set EdgeClientOptions.BaseAddress).", nameof(httpClient));
        _baseAddress = root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/");
        _streams = new StreamReconnectionManager(_http, _baseAddress, _options, timeProvider, random);
    }

    /// <summary>
    /// Streams an answer. A lost connection waits per <see cref="EdgeClientOptions.Reconnection"/> (backoff with jitter) and
    /// resumes with <c>Last-Event-ID</c>, so nothing is lost or repeated; a retryable error event, or a stream the edge lost,
    /// starts the answer over after a <see cref="RestartedEvent"/> (see <see cref="StreamOptions"/>).
    /// </summary>
    public IAsyncEnumerable<StreamEvent> StreamChatAsync(ChatRequest request, CancellationToken cancellationToken = default) =>
        _streams.StreamAsync(request, StreamOptions.Default, cancellationToken);

    /// <summary>Streams an answer with the given recovery options.</summary>
    public IAsyncEnumerable<StreamEvent> StreamChatAsync(ChatRequest request, StreamOptions options, CancellationToken cancellationToken = default) =>
        _streams.StreamAsync(request, options, cancellationToken);

    /// <summary>
    /// Follows a stream that already exists (started by this process or another): from its start, or after
    /// <paramref name="lastEventId"/>, reconnecting with <c>Last-Event-ID</c>. A stream the edge no longer has (its
    /// grace period passed, or it restarted) ends with an <see cref="ErrorEvent"/> STREAM_NOT_FOUND; it is never started over.
    /// </summary>
    public IAsyncEnumerable<StreamEvent> ResumeStreamAsync(string streamId, string? lastEventId = null, StreamOptions? options = null, CancellationToken cancellationToken = default) =>
        _streams.ResumeAsync(streamId, lastEventId, options, cancellationToken);

    /// <summary>The whole answer (<c>POST /v1/chat</c>).</summary>
    /// <exception cref="StreamErrorException">The edge's error, or NETWORK_ERROR.</exception>
    public async Task<ChatResult> ChatAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var message = Request(HttpMethod.Post, "v1/chat");
        message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, RelayJsonContext.Default.ChatRequest)))
        {
            Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
        };
        using var response = await SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new StreamErrorException(await EdgeErrors.ReadAsync(message, response, cancellationToken));
        }

        return JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(cancellationToken), RelayJsonContext.Default.ChatResult)
            ?? throw new StreamErrorException(StreamErrorCode.MalformedEvent, "The edge answered with an empty result.");
    }

    /// <summary>Cancels a generation (<c>DELETE</c>); false when the edge does not know the stream.</summary>
    public async Task<bool> CancelAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        using var message = Request(HttpMethod.Delete, $"v1/chat/stream/{Uri.EscapeDataString(streamId)}");
        using var response = await SendAsync(message, cancellationToken);
        return response.StatusCode switch
        {
            HttpStatusCode.NoContent or HttpStatusCode.OK => true,
            HttpStatusCode.NotFound => false,
            _ => throw new StreamErrorException(await EdgeErrors.ReadAsync(message, response, cancellationToken)),
        };
    }

    /// <summary>The ids of the models the edge offers.</summary>
    public async Task<IReadOnlyList<string>> GetModelsAsync(CancellationToken cancellationToken = default)
    {
        using var message = Request(HttpMethod.Get, "v1/models");
        using var response = await SendAsync(message, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new StreamErrorException(await EdgeErrors.ReadAsync(message, response, cancellationToken));
        }

        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return [.. doc.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];
    }

    /// <summary>Liveness and readiness of the edge; never throws for an unreachable edge.</summary>
    public async Task<EdgeHealth> GetHealthAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var live = await _http.GetAsync(new Uri(_baseAddress, "health"), cancellationToken);
            using var ready = await _http.GetAsync(new Uri(_baseAddress, "health/ready"), cancellationToken);
            var reason = ready.IsSuccessStatusCode ? null : (await ready.Content.ReadAsStringAsync(cancellationToken)).Trim();
            return new EdgeHealth(live.IsSuccessStatusCode, ready.IsSuccessStatusCode, string.IsNullOrEmpty(reason) ? $"status {(int)ready.StatusCode}" : reason);
        }
        catch (HttpRequestException ex)
        {
            return new EdgeHealth(false, false, ex.Message);
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var message = new HttpRequestMessage(method, new Uri(_baseAddress, path));
        if (_options.Token is { } token)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return message;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(message, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new StreamErrorException(EdgeErrors.Network($"cannot reach the edge at {_baseAddress}: {ex.Message}"), ex);
        }
    }
}
