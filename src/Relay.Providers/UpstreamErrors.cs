using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Relay.Contracts;

namespace Relay.Providers;

/// <summary>Maps what the upstream says went wrong (a status, an error object) onto the taxonomy.</summary>
internal static class UpstreamErrors
{
    /// <summary>The code for an HTTP status, before the stream or as a numeric <c>error.code</c> inside it.</summary>
    public static StreamErrorCode ForStatus(int status) => status switch
    {
        400 or 422 => StreamErrorCode.InvalidRequest,
        401 => StreamErrorCode.UpstreamAuthFailed,
        402 => StreamErrorCode.InsufficientCredits,
        403 => StreamErrorCode.ContentFiltered,
        404 => StreamErrorCode.ModelNotFound,
        408 or 504 or 524 => StreamErrorCode.UpstreamTimeout,
        413 => StreamErrorCode.ContextTooLong,
        429 => StreamErrorCode.RateLimited,
        502 or 503 or 529 => StreamErrorCode.UpstreamUnavailable,
        _ => StreamErrorCode.UpstreamError,
    };

    /// <summary>The error for a non-success response whose body (JSON or not) was read.</summary>
    public static StreamError FromResponse(int status, string body, RetryConditionHeaderValue? retryAfter, DateTimeOffset now, SecretRedactor redactor)
    {
        var message = TryReadError(body, out var error) && error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()
            : null;
        message = string.IsNullOrWhiteSpace(message)
            ? string.Create(CultureInfo.InvariantCulture, $"{ErrorCatalog.Get(ForStatus(status)).DefaultMessage} (upstream status {status})")
            : message;
        return StreamError.Create(ForStatus(status), redactor.Clean(message), RetryAfter(retryAfter, now));
    }

    /// <summary>The error for an in-band <c>error</c> object: numeric codes map as statuses, string codes to UPSTREAM_ERROR.</summary>
    public static StreamError FromErrorObject(JsonElement error, SecretRedactor redactor)
    {
        var code = StreamErrorCode.UpstreamError;
        if (error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var status))
        {
            code = ForStatus(status);
        }

        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        return StreamError.Create(code, redactor.Clean(string.IsNullOrWhiteSpace(message) ? ErrorCatalog.Get(code).DefaultMessage : message));
    }

    /// <summary>An error object in a body that came with a success status (OpenRouter sometimes does that).</summary>
    public static StreamError? FromSuccessBody(string body, SecretRedactor redactor) =>
        TryReadError(body, out var error) ? FromErrorObject(error, redactor) : null;

    private static bool TryReadError(string body, out JsonElement error)
    {
        error = default;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object &&
                doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object)
            {
                error = e.Clone();
                return true;
            }
        }
        catch (JsonException)
        {
            // An HTML page from a proxy: the status alone decides.
        }

        return false;
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } when date > now => date - now,
        { Date: not null } => TimeSpan.Zero,
        _ => null,
    };
}
