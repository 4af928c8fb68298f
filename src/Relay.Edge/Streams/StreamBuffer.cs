using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Relay.Contracts;

namespace Relay.Edge.Streams;

/// <summary>
/// The events of one stream, held compactly: each event's <c>data</c> JSON packed into one growing byte
/// array plus an index of kinds and offsets (about 25 bytes for a one-word delta, not an object with a
/// formatted id per event). One writer appends; readers follow with their own cursor and are woken by the
/// append through a waiter each reuses for every wait, never by polling. Bytes already written never move in
/// place: growing copies into a new array, so a reader's slice of the old one stays valid.
/// </summary>
internal sealed class StreamBuffer(int maxBytes)
{
    private static readonly string[] Names =
    [
        StreamEventNames.Start, StreamEventNames.Delta, StreamEventNames.Reasoning, StreamEventNames.ToolCall,
        StreamEventNames.Usage, StreamEventNames.Done, StreamEventNames.Error,
    ];

    private const int MaxScratchBytes = 16 * 1024;

    /// <summary>At most this many events per look at the buffer (the batch list of an unpaced reader grew to the stream's length).</summary>
    private const int MaxBatch = 64;

    [ThreadStatic]
    private static Scratch? _scratch;

    private readonly Lock _gate = new();
    private byte[] _bytes = new byte[256];
    private int _length;
    private byte[] _kinds = new byte[16];
    private int[] _ends = new int[16];
    private int _count;
    private bool _terminal;
    private bool _abandoned;
    private readonly List<ReaderWaiter> _waiting = [];

    /// <summary>The seq of the newest event (0 when empty).</summary>
    public long LastSeq
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Whether the terminal event was appended.</summary>
    public bool IsComplete
    {
        get
        {
            lock (_gate)
            {
                return _terminal;
            }
        }
    }

    /// <summary>Bytes held, payload and index, for memory accounting.</summary>
    public int HeldBytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes.Length + _kinds.Length + (_ends.Length * sizeof(int));
            }
        }
    }

    /// <summary>Appends an event; past the bound only a terminal error is still accepted.</summary>
    /// <exception cref="StreamErrorException">STREAM_TOO_LARGE.</exception>
    public long Append(StreamEvent streamEvent) => Append(streamEvent, out _);

    /// <summary>Appends an event and says by how many bytes the buffer grew (its arrays, not only the event).</summary>
    /// <exception cref="StreamErrorException">STREAM_TOO_LARGE.</exception>
    public long Append(StreamEvent streamEvent, out int grown) =>
        Append(streamEvent.WireName, SerializeScratch(streamEvent), streamEvent.IsTerminal, out grown);

    /// <summary>
    /// Appends an event already serialized (its <c>data</c> JSON), e.g. what was just written to Redis. An abandoned
    /// buffer takes nothing more (and does not grow): its readers have gone on elsewhere.
    /// </summary>
    /// <exception cref="StreamErrorException">STREAM_TOO_LARGE.</exception>
    public long Append(string name, ReadOnlySpan<byte> data, bool terminal, out int grown)
    {
        var kind = (byte)Array.IndexOf(Names, name);
        lock (_gate)
        {
            if (_terminal)
            {
                throw new InvalidOperationException("The stream already ended.");
            }

            if (_abandoned)
            {
                grown = 0;
                return _count;
            }

            if (_length + data.Length > maxBytes && name is not (StreamEventNames.Error or StreamEventNames.Usage))
            {
                throw new StreamErrorException(StreamErrorCode.StreamTooLarge, $"The answer outgrew the edge's limit of {maxBytes} bytes per stream.");
            }

            var held = _bytes.Length + _kinds.Length + (_ends.Length * sizeof(int));
            EnsureCapacity(data.Length);
            grown = _bytes.Length + _kinds.Length + (_ends.Length * sizeof(int)) - held;
            data.CopyTo(_bytes.AsSpan(_length));
            _length += data.Length;
            _kinds[_count] = kind;
            _ends[_count] = _length;
            _count++;
            _terminal = terminal;
            WakeAll();
            return _count;
        }
    }

    /// <summary>
    /// Ends the buffer without its terminal event (the stream's production stopped here, e.g. Redis refused an append):
    /// <see cref="ReadAsync"/> returns, and its readers go on from the shared store, which holds how the stream ended.
    /// </summary>
    public void Abandon()
    {
        lock (_gate)
        {
            if (!_terminal && !_abandoned)
            {
                _abandoned = true;
                WakeAll();
            }
        }
    }

    /// <summary>
    /// Follows the events after <paramref name="afterSeq"/> as they are appended, until the terminal event (or, for a
    /// reader already past it, at once) or until <see cref="Abandon"/>.
    /// </summary>
    public async IAsyncEnumerable<StoredEvent> ReadAsync(long afterSeq, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var batch = new List<StoredEvent>();
        var cursor = afterSeq;
        var waiter = new ReaderWaiter();
        using var registration = cancellationToken.UnsafeRegister(static (w, ct) => ((ReaderWaiter)w!).Cancel(ct), waiter);
        while (true)
        {
            var ended = Take(cursor, batch, waiter, out var parked);
            foreach (var e in batch)
            {
                cursor = e.Seq;
                yield return e;
            }

            if (ended)
            {
                yield break;
            }

            if (parked)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    waiter.Cancel(cancellationToken); // cancelled before the wait was parked, so the registration missed it
                }

                await waiter.WaitAsync();
            }

            batch.Clear();
        }
    }

    /// <summary>
    /// Copies the events after <paramref name="afterSeq"/> into <paramref name="into"/> and says whether the stream ends
    /// there. With nothing new and the stream going on, parks <paramref name="waiter"/> until the next append.
    /// </summary>
    private bool Take(long afterSeq, List<StoredEvent> into, ReaderWaiter waiter, out bool parked)
    {
        lock (_gate)
        {
            // A reader far behind (a resume, a slow client) takes the backlog in bounded batches: its list stays small.
            var bytes = _bytes;
            var end = (int)Math.Min(_count, afterSeq + MaxBatch);
            for (var i = (int)afterSeq; i < end; i++)
            {
                var start = i == 0 ? 0 : _ends[i - 1];
                into.Add(new StoredEvent(i + 1, Names[_kinds[i]], bytes.AsMemory(start, _ends[i] - start)));
            }

            parked = false;
            if (end < _count)
            {
                return false;
            }

            if (_terminal || _abandoned)
            {
                return true;
            }

            if (into.Count == 0)
            {
                _waiting.Add(waiter);
                waiter.Park();
                parked = true;
            }

            return false;
        }
    }

    /// <summary>Wakes every parked reader. Under the gate: a wake only queues the reader's continuation.</summary>
    private void WakeAll()
    {
        foreach (var waiter in _waiting)
        {
            waiter.Wake();
        }

        _waiting.Clear();
    }

    private void EnsureCapacity(int extra)
    {
        if (_length + extra > _bytes.Length)
        {
            var bigger = new byte[Math.Max(_bytes.Length * 2, _length + extra)];
            _bytes.AsSpan(0, _length).CopyTo(bigger);
            _bytes = bigger;
        }

        if (_count == _kinds.Length)
        {
            Array.Resize(ref _kinds, _kinds.Length * 2);
            Array.Resize(ref _ends, _ends.Length * 2);
        }
    }

    /// <summary>
    /// Serializes into a per-thread scratch buffer that the next call on this thread overwrites: the bytes are copied
    /// into the stream's array at once, so a per-event array, buffer writer and JSON writer would be garbage.
    /// </summary>
    private static ReadOnlySpan<byte> SerializeScratch(StreamEvent streamEvent)
    {
        var scratch = _scratch;
        if (scratch is null || scratch.Buffer.Capacity > MaxScratchBytes)
        {
            _scratch = scratch = new Scratch(); // a rare big event does not stay held by the thread
        }

        scratch.Buffer.ResetWrittenCount();
        scratch.Writer.Reset();
        StreamEventSerializer.WriteData(streamEvent, scratch.Writer);
        scratch.Writer.Flush();
        return scratch.Buffer.WrittenSpan;
    }

    private sealed class Scratch
    {
        public Scratch() => Writer = new Utf8JsonWriter(Buffer, StreamEventSerializer.WriterOptions);

        public ArrayBufferWriter<byte> Buffer { get; } = new(256);

        public Utf8JsonWriter Writer { get; }
    }
}
