using System.Net;
using System.Text.Json;
using Relay.Contracts;

namespace Relay.Client;

/// <summary>Turns an edge's error answer into a <see cref="StreamError"/>.</summary>
internal static class EdgeErrors
{
    /// <summary>
    /// Upstream failures the edge already retried when they came before any content: starting the answer over would only
    /// multiply the upstream requests (and the wait). Failures of the edge itself (STREAM_LOST, an edge shutting down) are
    /// not among them: another attempt may reach a healthy instance.
    /// </summary>
    public static bool RetriedByEdge(StreamErrorCode code) => code is StreamErrorCode.UpstreamUnavailable or StreamErrorCode.UpstreamTimeout
        or StreamErrorCode.UpstreamError or StreamErrorCode.RateLimited;

    public static async Task<StreamError> ReadAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            body = "";
        }

        StreamError? error = null;
        try
        {
            error = JsonSerializer.Deserialize(body, RelayJsonContext.Default.ErrorResponse)?.Error;
        }
        catch (JsonException)
        {
            // Not ours (a proxy's page): the status decides below.
        }

        var retryAfter = response.Headers.RetryAfter?.Delta;
        if (error is not null)
        {
            return error.RetryAfterMs is null && retryAfter is { } wait ? error with { RetryAfterMs = (long)wait.TotalMilliseconds } : error;
        }

        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented
            && request.RequestUri is { } uri)
        {
            // An edge answers every route, known or not, with its JSON error: this server has no such API at all.
            var root = uri.GetLeftPart(UriPartial.Authority);
            return StreamError.Create(
                StreamErrorCode.InvalidRequest,
                $"{root} is not a Relay edge: {request.Method} {uri.AbsolutePath} answered {(int)response.StatusCode} {response.ReasonPhrase}. Give the edge's own address (e.g. http://127.0.0.1:8787).");
        }

        var code = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => StreamErrorCode.Unauthorized,
            HttpStatusCode.NotFound => StreamErrorCode.StreamNotFound,
            HttpStatusCode.TooManyRequests => StreamErrorCode.RateLimited,
            HttpStatusCode.ServiceUnavailable => StreamErrorCode.Overloaded,
            >= HttpStatusCode.InternalServerError => StreamErrorCode.UpstreamError,
            _ => StreamErrorCode.InvalidRequest,
        };
        return StreamError.Create(code, $"The edge answered {(int)response.StatusCode} {response.ReasonPhrase}.", retryAfter);
    }

    /// <summary>Whether a resume GET that got this status should wait and try again (5xx, 429).</summary>
    public static bool IsTransient(HttpStatusCode status) => (int)status >= 500 || status == HttpStatusCode.TooManyRequests;

    public static StreamError Network(string message) => StreamError.Create(StreamErrorCode.NetworkError, message);
}
