using System.Globalization;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>A short next step for the errors where one helps.</summary>
internal static class ErrorHints
{
    public static string? For(StreamError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Code switch
        {
            StreamErrorCode.UpstreamAuthFailed => "set OPENROUTER_API_KEY to a valid key where the edge runs",
            StreamErrorCode.Unauthorized => "pass --token or set RELAY_TOKEN to one of the edge's RELAY_TOKENS",
            StreamErrorCode.InsufficientCredits => "add credits to the OpenRouter account of the edge's key",
            StreamErrorCode.ModelNotFound => "list the models with `relay models`",
            StreamErrorCode.NetworkError => "check that the edge runs and --edge / RELAY_EDGE_URL points at it",
            StreamErrorCode.ContextTooLong => "shorten the conversation (in chat: /clear) or lower --max-tokens",
            StreamErrorCode.StreamNotFound => "the edge did not keep this answer: its grace period (RELAY_RESUME_GRACE) passed, or it restarted",
            StreamErrorCode.UpstreamTimeout => "the model stopped answering; retry, or try another model with -m",
            _ when error.RetryAfterMs is { } ms => string.Create(CultureInfo.InvariantCulture, $"retry after {Math.Ceiling(ms / 1000.0):0} s"),
            _ when error.Retryable => "retry in a moment",
            _ => null,
        };
    }
}
