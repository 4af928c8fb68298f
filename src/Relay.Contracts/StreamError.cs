using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>An error from the taxonomy, as sent in an <c>error</c> event or an error body.</summary>
/// <param name="Code">The code.</param>
/// <param name="Message">What happened, for a person.</param>
/// <param name="Retryable">Whether the same request may succeed later.</param>
/// <param name="RetryAfterMs">How long to wait before retrying, when known.</param>
public sealed record StreamError(
    StreamErrorCode Code,
    string Message,
    bool Retryable,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? RetryAfterMs = null)
{
    /// <summary>Creates an error with the catalog's retryability and, unless given, its default message.</summary>
    public static StreamError Create(StreamErrorCode code, string? message = null, TimeSpan? retryAfter = null)
    {
        var entry = ErrorCatalog.Get(code);
        return new StreamError(
            code,
            string.IsNullOrEmpty(message) ? entry.DefaultMessage : message,
            entry.Retryable,
            retryAfter is { } wait ? (long)Math.Ceiling(wait.TotalMilliseconds) : null);
    }

    /// <summary>The HTTP status this error is answered with (500 for client-side codes).</summary>
    [JsonIgnore]
    public int HttpStatus => ErrorCatalog.Get(Code).HttpStatus ?? 500;

    /// <summary>The code's wire name, e.g. <c>STREAM_NOT_FOUND</c>.</summary>
    [JsonIgnore]
    public string WireName => ErrorCatalog.Get(Code).WireName;
}
