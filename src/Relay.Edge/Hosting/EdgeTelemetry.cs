using System.Diagnostics;
using System.Diagnostics.Metrics;

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

    public EdgeTelemetry(IMeterFactory meters)
    {
        _meter = meters.Create(Name);
        ActiveStreams = _meter.CreateUpDownCounter<long>("relay.streams.active", description: "Generations running now");
        Streams = _meter.CreateCounter<long>("relay.streams", description: "Finished streams by outcome and error code");
        FirstToken = _meter.CreateHistogram<double>("relay.stream.first_token", "ms", "From the start of a generation to its first content event");
        InterChunk = _meter.CreateHistogram<double>("relay.stream.inter_chunk", "ms", "Between content events of a stream");
        Resumes = _meter.CreateCounter<long>("relay.resumes", description: "GETs that resumed a stream");
        Cancels = _meter.CreateCounter<long>("relay.cancels", description: "DELETEs that cancelled a stream");
        BytesOut = _meter.CreateCounter<long>("relay.bytes_out", "By", "Event data bytes written to clients");
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

    public void Dispose() => _meter.Dispose();
}
