using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>The single-instance <see cref="IStreamStore"/>: a <see cref="StreamBuffer"/> per stream.</summary>
internal sealed class InMemoryStreamStore(IOptions<RelayEdgeOptions> options) : IStreamStore
{
    private readonly ConcurrentDictionary<string, (StreamInfo Info, StreamBuffer Buffer)> _streams = new(StringComparer.Ordinal);
    private readonly int _maxBytes = options.Value.MaxStreamBytes;
    private long _heldBytes;

    /// <summary>Never raised: every stream is produced by this instance, which cancels it directly.</summary>
    public event Action<string>? CancelRequested
    {
        add { }
        remove { }
    }

    public int Count => _streams.Count;

    /// <inheritdoc />
    public long HeldBytes => Interlocked.Read(ref _heldBytes);

    public ValueTask<bool> CreateAsync(string streamId, StreamInfo info, CancellationToken cancellationToken = default)
    {
        var buffer = new StreamBuffer(_maxBytes);
        if (!_streams.TryAdd(streamId, (info, buffer)))
        {
            return ValueTask.FromResult(false);
        }

        Interlocked.Add(ref _heldBytes, buffer.HeldBytes);
        return ValueTask.FromResult(true);
    }

    public ValueTask<StreamInfo?> GetInfoAsync(string streamId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_streams.TryGetValue(streamId, out var s) ? s.Info : null);

    public ValueTask<bool> IsReadElsewhereAsync(string streamId, CancellationToken cancellationToken = default) => ValueTask.FromResult(false);

    public ValueTask RequestCancelAsync(string streamId, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask<long> AppendAsync(string streamId, StreamEvent streamEvent, CancellationToken cancellationToken = default)
    {
        // Every append counts toward the edge-wide budget (Relay:MaxBufferedBytes), which the stream manager enforces.
        var seq = Get(streamId).Append(streamEvent, out var grown);
        if (grown != 0)
        {
            Interlocked.Add(ref _heldBytes, grown);
        }

        return ValueTask.FromResult(seq);
    }

    public ValueTask<long?> GetLastSeqAsync(string streamId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_streams.TryGetValue(streamId, out var s) ? s.Buffer.LastSeq : (long?)null);

    public IAsyncEnumerable<StoredEvent> ReadAsync(string streamId, long afterSeq, CancellationToken cancellationToken = default) =>
        Get(streamId).ReadAsync(afterSeq, cancellationToken);

    public ValueTask RemoveAsync(string streamId, CancellationToken cancellationToken = default)
    {
        if (_streams.TryRemove(streamId, out var removed))
        {
            Interlocked.Add(ref _heldBytes, -removed.Buffer.HeldBytes);
        }

        return ValueTask.CompletedTask;
    }

    private StreamBuffer Get(string streamId) =>
        _streams.TryGetValue(streamId, out var s) ? s.Buffer : throw new StreamErrorException(StreamErrorCode.StreamNotFound);
}
