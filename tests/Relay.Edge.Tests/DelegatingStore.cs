using Relay.Contracts;
using Relay.Edge.Streams;

namespace Relay.Edge.Tests;

/// <summary>A store that forwards everything to another; tests override the calls they watch or break.</summary>
internal abstract class DelegatingStore(IStreamStore inner) : IStreamStore
{
    public event Action<string>? CancelRequested
    {
        add => inner.CancelRequested += value;
        remove => inner.CancelRequested -= value;
    }

    public long HeldBytes => inner.HeldBytes;

    public virtual ValueTask<bool> CreateAsync(string streamId, StreamInfo info, CancellationToken cancellationToken = default) => inner.CreateAsync(streamId, info, cancellationToken);

    public virtual ValueTask<StreamInfo?> GetInfoAsync(string streamId, CancellationToken cancellationToken = default) => inner.GetInfoAsync(streamId, cancellationToken);

    public virtual ValueTask<long> AppendAsync(string streamId, StreamEvent streamEvent, CancellationToken cancellationToken = default) => inner.AppendAsync(streamId, streamEvent, cancellationToken);

    public ValueTask<long?> GetLastSeqAsync(string streamId, CancellationToken cancellationToken = default) => inner.GetLastSeqAsync(streamId, cancellationToken);

    public IAsyncEnumerable<StoredEvent> ReadAsync(string streamId, long afterSeq, CancellationToken cancellationToken = default) => inner.ReadAsync(streamId, afterSeq, cancellationToken);

    public ValueTask<bool> IsReadElsewhereAsync(string streamId, CancellationToken cancellationToken = default) => inner.IsReadElsewhereAsync(streamId, cancellationToken);

    public ValueTask RequestCancelAsync(string streamId, CancellationToken cancellationToken = default) => inner.RequestCancelAsync(streamId, cancellationToken);

    public ValueTask RemoveAsync(string streamId, CancellationToken cancellationToken = default) => inner.RemoveAsync(streamId, cancellationToken);
}
