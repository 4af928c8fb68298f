using System.Diagnostics;
using System.Diagnostics.Metrics;
using Relay.Contracts;

namespace Relay.Edge;

/// <summary>
/// The edge's metrics (Meter <c>Relay.Edge</c>, scraped at <c>/metrics</c>) and traces (ActivitySource
/// <c>Relay.Edge</c>, one span per stream). No prompt, answer, key or token is ever a tag.
/// </summary>
internal sealed class EdgeTelemetry : IDisposable
{
    public const string Name = "Relay.Edge";

    public static readonly ActivitySource Source = new(Name);

    private readonly Meter _meter;
    private readonly bool _perOwner;

    public EdgeTelemetry(IMeterFactory meters, Microsoft.Extensions.Options.IOptions<RelayEdgeOptions> options)
    {
        _perOwner = options.Value.Tokens.Count > 0;
        _meter = meters.Create(Name);
        ActiveStreams = _meter.CreateUpDownCounter<long>("relay.streams.active", description: "Generations running now");
        Streams = _meter.CreateCounter<long>("relay.streams", description: "Finished streams by outcome and error code");
        FirstToken = _meter.CreateHistogram<double>("relay.stream.first_token", "ms", "From the start of a generation to its first content event");
        InterChunk = _meter.CreateHistogram<double>("relay.stream.inter_chunk", "ms", "Between content events of a stream");
        Resumes = _meter.CreateCounter<long>("relay.resumes", description: "GETs that resumed a stream");
        Cancels = _meter.CreateCounter<long>("relay.cancels", description: "DELETEs that cancelled a stream");
        BytesOut = _meter.CreateCounter<long>("relay.bytes_out", "By", "Event data bytes written to clients");
        UpstreamRetries = _meter.CreateCounter<long>("relay.upstream.retries", description: "Upstream requests repeated before the first token (retries and fallbacks), by the error code that caused them");
        Tokens = _meter.CreateCounter<long>("relay.tokens", description: "Tokens of every answer however it ended, by model, kind (prompt, completion, reasoning) and whether the edge estimated them");
        CostUsd = _meter.CreateCounter<double>("relay.cost_usd", description: "US dollars the upstream reported for answers, by model");
    }

    /// <summary>The meter, for gauges observed from the services that own the values.</summary>
    public Meter Meter => _meter;

    public UpDownCounter<long> ActiveStreams { get; }

    public Counter<long> Streams { get; }

    public Histogram<double> FirstToken { get; }

    public Histogram<double> InterChunk { get; }

    public Counter<long> Resumes { get; }

    public Counter<long> Cancels { get; }

    public Counter<long> BytesOut { get; }

    public Counter<long> UpstreamRetries { get; }

    public Counter<long> Tokens { get; }

    public Counter<double> CostUsd { get; }

    /// <summary>
    /// Counts one answer's usage by model; with <c>RELAY_TOKENS</c> also by owner, the first 12 hex digits of the token's
    /// hash (never the token).
    /// </summary>
    public void CountUsage(string model, Usage usage, string owner)
    {
        var estimated = usage.Estimated == true ? "true" : "false";
        var who = _perOwner && owner.Length > 0 ? owner[..Math.Min(12, owner.Length)] : null;
        Count("prompt", usage.PromptTokens);
        Count("completion", usage.CompletionTokens);
        if (usage.ReasoningTokens is { } reasoning)
        {
            Count("reasoning", reasoning);
        }

        if (usage.CostUsd is { } cost)
        {
            var tags = new TagList { { "model", model } };
            if (who is not null)
            {
                tags.Add("owner", who);
            }

            CostUsd.Add((double)cost, tags);
        }

        void Count(string kind, long tokens)
        {
            var tags = new TagList { { "model", model }, { "kind", kind }, { "estimated", estimated } };
            if (who is not null)
            {
                tags.Add("owner", who);
            }

            Tokens.Add(tokens, tags);
        }
    }

    public void Dispose() => _meter.Dispose();
}
