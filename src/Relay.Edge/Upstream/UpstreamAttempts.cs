using Relay.Contracts;

namespace Relay.Edge.Upstream;

/// <summary>
/// The upstream requests of one answer before its first token: which request goes next, and whether a failure is tried
/// again or is the answer. A failure of a model with fallbacks left (404, 429, 5xx) moves on to the next model at once;
/// any other retryable failure (connection, timeouts, 408, 429, 5xx, a stream that broke before content) is retried on
/// the same model after the upstream's Retry-After or 250 ms × 2^(n−1) plus up to 25 % jitter, at most
/// <see cref="RelayEdgeOptions.UpstreamRetries"/> times and only while the wait fits in what is left of
/// <see cref="RelayEdgeOptions.UpstreamRetryBudget"/>. Not thread-safe: one per request.
/// </summary>
internal sealed class UpstreamAttempts
{
    private static readonly TimeSpan FirstWait = TimeSpan.FromMilliseconds(250);

    private readonly RelayEdgeOptions _options;
    private readonly TimeProvider _time;
    private readonly long _began;
    private readonly IReadOnlyList<string> _fallbacks;
    private int _nextFallback;
    private int _retries;

    public UpstreamAttempts(ChatRequest request, RelayEdgeOptions options, TimeProvider time)
    {
        (_options, _time, _began) = (options, time, time.GetTimestamp());
        if (options.WalksFallbacks && request.Models is { Count: > 0 } models)
        {
            // The edge walks the list: each upstream request names one model.
            (_fallbacks, Request) = (models, request with { Models = null });
        }
        else
        {
            (_fallbacks, Request) = ([], request);
        }
    }

    /// <summary>The request the next (or current) attempt sends.</summary>
    public ChatRequest Request { get; private set; }

    /// <summary>Upstream requests made so far, counting the current one.</summary>
    public int Count { get; private set; } = 1;

    /// <summary>
    /// Whether <paramref name="error"/> (before any content) is tried again: true with the wait before the next attempt,
    /// whose request <see cref="Request"/> then is; false when the error is the answer.
    /// </summary>
    public bool TryAgain(StreamError error, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (_nextFallback < _fallbacks.Count && FallsBack(error.Code))
        {
            Request = Request with { Model = _fallbacks[_nextFallback++] };
            Count++;
            return true;
        }

        if (!IsRetryable(error.Code) || _retries >= _options.UpstreamRetries)
        {
            return false;
        }

        wait = error.RetryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : FirstWait * Math.Pow(2, _retries) * (1 + (Random.Shared.NextDouble() / 4));
        if (wait > _options.UpstreamRetryBudget - _time.GetElapsedTime(_began))
        {
            return false; // a Retry-After beyond the budget ends the retries at once
        }

        _retries++;
        Count++;
        return true;
    }

    /// <summary>Failures worth another request of the same model: the upstream may answer the next one.</summary>
    public static bool IsRetryable(StreamErrorCode code) => code is StreamErrorCode.UpstreamUnavailable or StreamErrorCode.UpstreamTimeout
        or StreamErrorCode.RateLimited or StreamErrorCode.UpstreamError or StreamErrorCode.StreamInterrupted;

    /// <summary>Failures of a model (404, 429, 5xx) after which the next fallback model is asked.</summary>
    private static bool FallsBack(StreamErrorCode code) => code is StreamErrorCode.ModelNotFound or StreamErrorCode.RateLimited
        or StreamErrorCode.UpstreamUnavailable or StreamErrorCode.UpstreamTimeout or StreamErrorCode.UpstreamError;
}
