using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>One held event: its seq, wire name and <c>data</c> JSON, written to the wire without re-serializing.</summary>
/// <param name="Seq">Its place in the stream, from 1.</param>
/// <param name="Name">Its wire name.</param>
/// <param name="Data">Its <c>data</c> JSON, UTF-8.</param>
public readonly record struct StoredEvent(long Seq, string Name, ReadOnlyMemory<byte> Data)
{
    /// <summary>
    /// Made up by the edge, not in the stream (e.g. STORE_UNAVAILABLE while the store is away): written without an
    /// <c>id:</c> line, so a client's last event id stays the last real one.
    /// </summary>
    public bool Synthesized { get; init; }

    /// <summary>Whether this event ends the stream.</summary>
    public bool IsTerminal => Name is StreamEventNames.Done or StreamEventNames.Error;

    /// <summary>The event as a contract object (for formats other than ours, e.g. OpenAI's).</summary>
    public StreamEvent ToStreamEvent(string streamId) =>
        StreamEventSerializer.Deserialize(Name, Data.Span, Synthesized ? null : StreamIds.FormatEventId(streamId, Seq));
}
