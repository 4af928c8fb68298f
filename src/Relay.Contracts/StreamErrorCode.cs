using System.Text.Json.Serialization;

namespace Relay.Contracts;

/// <summary>The closed set of error codes; <see cref="ErrorCatalog"/> describes each.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StreamErrorCode>))]
public enum StreamErrorCode
{
    /// <summary><c>INVALID_REQUEST</c>.</summary>
    [JsonStringEnumMemberName("INVALID_REQUEST")]
    InvalidRequest,

    /// <summary><c>UNAUTHORIZED</c>.</summary>
    [JsonStringEnumMemberName("UNAUTHORIZED")]
    Unauthorized,

    /// <summary><c>INSUFFICIENT_CREDITS</c>.</summary>
    [JsonStringEnumMemberName("INSUFFICIENT_CREDITS")]
    InsufficientCredits,

    /// <summary><c>CONTENT_FILTERED</c>.</summary>
    [JsonStringEnumMemberName("CONTENT_FILTERED")]
    ContentFiltered,

    /// <summary><c>MODEL_NOT_FOUND</c>.</summary>
    [JsonStringEnumMemberName("MODEL_NOT_FOUND")]
    ModelNotFound,

    /// <summary><c>STREAM_NOT_FOUND</c>.</summary>
    [JsonStringEnumMemberName("STREAM_NOT_FOUND")]
    StreamNotFound,

    /// <summary><c>STREAM_CONFLICT</c>.</summary>
    [JsonStringEnumMemberName("STREAM_CONFLICT")]
    StreamConflict,

    /// <summary><c>CONTEXT_TOO_LONG</c>.</summary>
    [JsonStringEnumMemberName("CONTEXT_TOO_LONG")]
    ContextTooLong,

    /// <summary><c>REQUEST_TOO_LARGE</c>.</summary>
    [JsonStringEnumMemberName("REQUEST_TOO_LARGE")]
    RequestTooLarge,

    /// <summary><c>RATE_LIMITED</c>.</summary>
    [JsonStringEnumMemberName("RATE_LIMITED")]
    RateLimited,

    /// <summary><c>OVERLOADED</c>.</summary>
    [JsonStringEnumMemberName("OVERLOADED")]
    Overloaded,

    /// <summary><c>UPSTREAM_TIMEOUT</c>.</summary>
    [JsonStringEnumMemberName("UPSTREAM_TIMEOUT")]
    UpstreamTimeout,

    /// <summary><c>UPSTREAM_UNAVAILABLE</c>.</summary>
    [JsonStringEnumMemberName("UPSTREAM_UNAVAILABLE")]
    UpstreamUnavailable,

    /// <summary><c>UPSTREAM_ERROR</c>.</summary>
    [JsonStringEnumMemberName("UPSTREAM_ERROR")]
    UpstreamError,

    /// <summary><c>UPSTREAM_AUTH_FAILED</c>.</summary>
    [JsonStringEnumMemberName("UPSTREAM_AUTH_FAILED")]
    UpstreamAuthFailed,

    /// <summary><c>STREAM_INTERRUPTED</c>.</summary>
    [JsonStringEnumMemberName("STREAM_INTERRUPTED")]
    StreamInterrupted,

    /// <summary><c>STREAM_LOST</c>.</summary>
    [JsonStringEnumMemberName("STREAM_LOST")]
    StreamLost,

    /// <summary><c>STORE_UNAVAILABLE</c>.</summary>
    [JsonStringEnumMemberName("STORE_UNAVAILABLE")]
    StoreUnavailable,

    /// <summary><c>MALFORMED_EVENT</c>.</summary>
    [JsonStringEnumMemberName("MALFORMED_EVENT")]
    MalformedEvent,

    /// <summary><c>EVENT_TOO_LARGE</c>.</summary>
    [JsonStringEnumMemberName("EVENT_TOO_LARGE")]
    EventTooLarge,

    /// <summary><c>STREAM_TOO_LARGE</c>.</summary>
    [JsonStringEnumMemberName("STREAM_TOO_LARGE")]
    StreamTooLarge,

    /// <summary><c>NETWORK_ERROR</c>.</summary>
    [JsonStringEnumMemberName("NETWORK_ERROR")]
    NetworkError,

    /// <summary><c>CANCELLED</c>.</summary>
    [JsonStringEnumMemberName("CANCELLED")]
    Cancelled,

    /// <summary><c>INTERNAL_ERROR</c>.</summary>
    [JsonStringEnumMemberName("INTERNAL_ERROR")]
    InternalError,
}
