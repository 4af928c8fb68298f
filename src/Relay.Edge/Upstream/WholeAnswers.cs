using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Providers;

namespace Relay.Edge.Upstream;

/// <summary>
/// Whole answers (<c>POST /v1/chat</c>, <c>/v1/chat/completions</c> without <c>stream</c>) with the same upstream
/// resilience and accounting as streams: retries and fallbacks (<see cref="UpstreamAttempts"/>), and the usage counted,
/// estimated when the upstream sent none.
/// </summary>
internal sealed class WholeAnswers(ILlmProvider provider, IOptions<RelayEdgeOptions> options, TimeProvider time, ILogger<WholeAnswers> logger, EdgeTelemetry telemetry)
{
    /// <summary>The answer, or the error of its last attempt.</summary>
    /// <exception cref="StreamErrorException">The upstream failed and no attempt is left.</exception>
    /// <exception cref="OperationCanceledException">The client left; the upstream request is aborted.</exception>
    public async Task<ChatResult> GenerateAsync(ChatRequest request, string owner, CancellationToken cancellationToken)
    {
        var attempts = new UpstreamAttempts(request with { StreamId = null }, options.Value, time);
        while (true)
        {
            var model = attempts.Request.Model!;
            try
            {
                var result = await provider.GenerateAsync(attempts.Request, cancellationToken);
                if (result.Usage is null)
                {
                    result = result with { Usage = UsageCounter.Estimate(attempts.Request, result) };
                }

                telemetry.CountUsage(result.Model, result.Usage!, owner);
                return result;
            }
            catch (StreamErrorException ex) when (attempts.TryAgain(ex.Error, out var wait))
            {
                telemetry.UpstreamRetries.Add(1, new KeyValuePair<string, object?>("code", ex.Error.WireName));
                EdgeLog.UpstreamRetry(logger, attempts.Count - 1, "a whole answer", model, ex.Error.WireName, ex.Error.Message, attempts.Count, attempts.Request.Model!, wait.TotalMilliseconds);
                await Task.Delay(wait, time, cancellationToken);
            }
        }
    }
}
