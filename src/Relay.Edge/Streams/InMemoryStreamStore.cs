using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>The single-instance <see cref="IStreamStore"/>: a <see cref="StreamBuffer"/> per stream.</summary>
internal sealed class InMemoryStreamStore(IOptions<RelayEdgeOptions> options) : IStreamStore
{
    private readonly ConcurrentDictionary<string, StreamBuffer> _streams = new(StringComparer.Ordinal);
    private readonly int _maxBytes = options.Value.MaxStreamBytes;

    public int Count => _streams.Count;

    public ValueTask<bool> CreateAsync(string streamId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_streams.TryAdd(streamId, new StreamBuffer(_maxBytes)));

    public ValueTask<long> AppendAsync(string streamId, StreamEvent streamEvent, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Get(streamId).Append(streamEvent));

    public ValueTask<long?> GetLastSeqAsync(string streamId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_streams.TryGetValue(streamId, out var b) ? b.LastSeq : (long?)null);

    public IAsyncEnumerable<StoredEvent> ReadAsync(string streamId, long afterSeq, CancellationToken cancellationToken = default) =>
        ReadCoreAsync(Get(streamId), afterSeq, cancellationToken);

    public ValueTask RemoveAsync(string streamId, CancellationToken cancellationToken = default)
    {
        _streams.TryRemove(streamId, out _);
        return ValueTask.CompletedTask;
    }

    /// <summary>Bytes held by one stream (for tests and the benchmark).</summary>
    internal int HeldBytes(string streamId) => Get(streamId).HeldBytes;

    private static async IAsyncEnumerable<StoredEvent> ReadCoreAsync(StreamBuffer buffer, long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new List<StoredEvent>();
        var cursor = afterSeq;
        while (true)
        {
            var changed = buffer.ReadAfter(cursor, batch, out var complete);
            foreach (var e in batch)
            {
                cursor = e.Seq;
                yield return e;
            }

            if (complete && (batch.Count == 0 || batch[^1].IsTerminal))
            {
                yield break;
            }

            if (batch.Count == 0)
            {
                await changed.WaitAsync(cancellationToken);
            }

            batch.Clear();
        }
    }

    private StreamBuffer Get(string streamId) =>
        _streams.TryGetValue(streamId, out var buffer) ? buffer : throw new StreamErrorException(StreamErrorCode.StreamNotFound);
}
