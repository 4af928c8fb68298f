namespace Relay.Providers.Tests;

/// <summary>
/// A response body that hands out scripted pieces, one per read; then ends, throws (a reset), or stalls
/// until the reader's token is cancelled, which it records so tests can prove the abort reached "upstream".
/// </summary>
public sealed class PiecewiseStream(IEnumerable<byte[]> pieces, PiecewiseStream.Ending ending = PiecewiseStream.Ending.Eof) : Stream
{
    private readonly Queue<byte[]> _pieces = new(pieces);
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] _current = [];
    private int _offset;

    public enum Ending
    {
        Eof,
        Reset,
        Stall,
    }

    /// <summary>Completes when a read was cancelled (the request was aborted).</summary>
    public Task Aborted => _aborted.Task;

    /// <summary>Completes when the reader is waiting on a stalled read.</summary>
    public Task Stalled => _stalled.Task;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            _aborted.TrySetResult();
            cancellationToken.ThrowIfCancellationRequested();
        }

        while (_offset == _current.Length)
        {
            if (!_pieces.TryDequeue(out var next))
            {
                switch (ending)
                {
                    case Ending.Reset:
                        throw new IOException("Connection reset by peer");
                    case Ending.Stall:
                        _stalled.TrySetResult();
                        try
                        {
                            await Task.Delay(Timeout.Infinite, cancellationToken);
                        }
                        catch (OperationCanceledException)
                        {
                            _aborted.TrySetResult();
                            throw;
                        }

                        break;
                    default:
                        return 0;
                }
            }
            else
            {
                _current = next;
                _offset = 0;
            }
        }

        var n = Math.Min(buffer.Length, _current.Length - _offset);
        _current.AsMemory(_offset, n).CopyTo(buffer);
        _offset += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
