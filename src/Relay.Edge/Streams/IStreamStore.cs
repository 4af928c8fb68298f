using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>
/// Where streams' events are held so readers can follow and resume: one writer appends, every reader follows
/// from its own cursor (a seq). In memory for one edge; a shared store (Redis) serves several.
/// </summary>
public interface IStreamStore
{
    /// <summary>Creates an empty stream; false when the id is taken.</summary>
    ValueTask<bool> CreateAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>Appends the next event and returns its seq.</summary>
    /// <exception cref="StreamErrorException">STREAM_TOO_LARGE past the per-stream bound.</exception>
    ValueTask<long> AppendAsync(string streamId, StreamEvent streamEvent, CancellationToken cancellationToken = default);

    /// <summary>The newest seq of a stream, or null when it does not exist.</summary>
    ValueTask<long?> GetLastSeqAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>Every event after <paramref name="afterSeq"/>, then live ones as they are appended, until the terminal one.</summary>
    IAsyncEnumerable<StoredEvent> ReadAsync(string streamId, long afterSeq, CancellationToken cancellationToken = default);

    /// <summary>Forgets a stream.</summary>
    ValueTask RemoveAsync(string streamId, CancellationToken cancellationToken = default);
}
