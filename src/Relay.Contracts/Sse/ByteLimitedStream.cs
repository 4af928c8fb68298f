using System.Runtime.CompilerServices;

namespace Relay.Contracts.Sse;

/// <summary>
/// A read-only pass-through that counts bytes read since the last <see cref="Reset"/> and fails with
/// EVENT_TOO_LARGE past a limit. <c>SseParser</c> buffers a line or event without bound; this caps it.
/// Reads are shortened so they never pass the limit by more than one byte, and the failure comes only
/// when more is asked for without a dispatch in between: bytes read ahead past the end of an event that
/// is then dispatched never count against it.
/// </summary>
internal sealed class ByteLimitedStream(Stream inner, long limit) : Stream
{
    private long _count;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Starts counting afresh: called as each event is dispatched.</summary>
    public void Reset() => _count = 0;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer[..Allowed(buffer.Length)]));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer[..Allowed(buffer.Length)], cancellationToken));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Allowed(int requested) => _count > limit
        ? throw new StreamErrorException(StreamErrorCode.EventTooLarge, $"An event exceeded {limit} bytes.")
        : (int)Math.Min(requested, limit + 1 - _count);

    private int Count(int read)
    {
        _count += read;
        return read;
    }
}
