using System.Globalization;

namespace Relay.Contracts;

/// <summary>
/// A short next step for the errors where one helps, in two wordings: the CLI's (which names flags and variables) and a
/// web page's (which names what the person can do there). One table, so both stay in step.
/// </summary>
public static class ErrorHints
{
    private static readonly Dictionary<StreamErrorCode, (string Cli, string Page)> Table = new()
    {
        [StreamErrorCode.UpstreamAuthFailed] = ("set OPENROUTER_API_KEY to a valid key where the edge runs", "the edge's OpenRouter key was refused; whoever runs the edge needs to set a valid OPENROUTER_API_KEY"),
        [StreamErrorCode.Unauthorized] = ("pass --token or set RELAY_TOKEN to one of the edge's RELAY_TOKENS", "enter one of the edge's access tokens (the Token button, top right)"),
        [StreamErrorCode.InsufficientCredits] = ("add credits to the OpenRouter account of the edge's key", "the OpenRouter account behind this edge is out of credits"),
        [StreamErrorCode.ModelNotFound] = ("list the models with `relay models`", "pick another model from the list"),
        [StreamErrorCode.NetworkError] = ("check that the edge runs and --edge / RELAY_EDGE_URL points at it", "check your connection to this page's server, then send again"),
        [StreamErrorCode.ContextTooLong] = ("shorten the conversation (in chat: /clear) or lower --max-tokens", "start a new chat, or ask a shorter question"),
        [StreamErrorCode.UpstreamTimeout] = ("the model stopped answering; retry, or try another model with -m", "the model stopped answering; send again, or pick another model"),
        [StreamErrorCode.StreamNotFound] = ("the edge did not keep this answer: its grace period (RELAY_RESUME_GRACE) passed, or it restarted", "the edge no longer has this answer; send the question again"),
    };

    /// <summary>The CLI's hint for <paramref name="error"/>, if any.</summary>
    public static string? ForCli(StreamError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Table.TryGetValue(error.Code, out var hint) ? hint.Cli : Generic(error, "retry after {0} s", "retry in a moment");
    }

    /// <summary>A page's hint for <paramref name="error"/>, if any.</summary>
    public static string? ForPage(StreamError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return Table.TryGetValue(error.Code, out var hint) ? hint.Page : Generic(error, "send again in {0} s", "send again in a moment");
    }

    /// <summary>The page wording of every code that has one (retryable codes without their own get the generic one).</summary>
    public static IReadOnlyDictionary<string, string> PageTable() =>
        ErrorCatalog.All.Select(e => (e.WireName, Hint: ForPage(StreamError.Create(e.Code)))).Where(e => e.Hint is not null).ToDictionary(e => e.WireName, e => e.Hint!);

    private static string? Generic(StreamError error, string after, string soon) =>
        error.RetryAfterMs is { } ms ? string.Format(CultureInfo.InvariantCulture, after, Math.Ceiling(ms / 1000.0)) : error.Retryable ? soon : null;
}
