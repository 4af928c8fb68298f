using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>
/// Where streams' events are held so readers can follow and resume: one writer appends, every reader follows
/// from its own cursor (a seq). In memory for one edge; Redis (<c>RELAY_REDIS</c>) shares streams between
/// instances, so a reader on any instance can resume and cancel a stream another instance produces.
/// </summary>
public interface IStreamStore
{
    /// <summary>Raised with a stream id when a cancel was asked for on another instance (the owner acts on it).</summary>
    event Action<string>? CancelRequested;

    /// <summary>Bytes this instance holds for all its streams (0 for a shared store, whose memory is Redis's).</summary>
    long HeldBytes { get; }

    /// <summary>Creates an empty stream owned by this instance; false when the id is taken.</summary>
    /// <exception cref="StreamErrorException">STORE_UNAVAILABLE when the store cannot be reached.</exception>
    ValueTask<bool> CreateAsync(string streamId, StreamInfo info, CancellationToken cancellationToken = default);

    /// <summary>What a stream was created with, or null when it does not exist (or expired).</summary>
    ValueTask<StreamInfo?> GetInfoAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>Appends the next event and returns its seq; after a terminal event the stream expires after the grace period.</summary>
    /// <exception cref="StreamErrorException">STREAM_TOO_LARGE past the per-stream bound.</exception>
    ValueTask<long> AppendAsync(string streamId, StreamEvent streamEvent, CancellationToken cancellationToken = default);

    /// <summary>The newest seq of a stream, or null when it does not exist.</summary>
    ValueTask<long?> GetLastSeqAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every event after <paramref name="afterSeq"/>, then live ones as they are appended, until the terminal
    /// one. When the producer is gone (a shared store whose owner stopped renewing its lease) the reader gets
    /// an <c>error</c> STREAM_LOST as the terminal event.
    /// </summary>
    IAsyncEnumerable<StoredEvent> ReadAsync(string streamId, long afterSeq, CancellationToken cancellationToken = default);

    /// <summary>Whether a reader on another instance followed the stream within the grace period.</summary>
    ValueTask<bool> IsReadElsewhereAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>Asks the instance that owns the stream to cancel its upstream request.</summary>
    ValueTask RequestCancelAsync(string streamId, CancellationToken cancellationToken = default);

    /// <summary>Forgets a stream.</summary>
    ValueTask RemoveAsync(string streamId, CancellationToken cancellationToken = default);
}
