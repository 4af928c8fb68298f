using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;

namespace Relay.Contracts.Sse;

/// <summary>
/// The one SSE reading path, shared by the provider (upstream) and the client (edge). It wraps
/// <see cref="SseParser"/> and corrects what a resuming client depends on:
/// an empty <c>event:</c> is <c>message</c>; the last event id is snapshotted at each dispatched event
/// (the parser updates it when the <c>id:</c> line is read, so reading it after a broken connection would
/// skip a partly received event: <c>shared/reference/sse-resume-and-backoff.md</c> §2.6); and no event may
/// exceed a byte limit, since the parser has none.
/// </summary>
public static class SseEventReader
{
    /// <summary>The default largest event, in bytes: 1 MiB.</summary>
    public const int DefaultMaxEventBytes = 1024 * 1024;

    private const string MessageType = "message";

    /// <summary>Reads events from <paramref name="stream"/> until it ends.</summary>
    /// <param name="stream">The response body.</param>
    /// <param name="maxEventBytes">The largest event accepted; a larger one ends the read with EVENT_TOO_LARGE.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <exception cref="StreamErrorException">EVENT_TOO_LARGE, thrown from the enumeration.</exception>
    public static IAsyncEnumerable<SseFrame> ReadAsync(
        Stream stream,
        int maxEventBytes = DefaultMaxEventBytes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventBytes, 1);
        return ReadCoreAsync(stream, maxEventBytes, cancellationToken);
    }

    /// <summary>
    /// Reads events from <paramref name="stream"/> without decoding them, for a reader that parses the UTF-8 itself (the
    /// provider's JSON chunks, the client's events): no string is made per event's data. The bytes are copied into one
    /// buffer that the reader reuses, so an item's data is valid only until the enumerator moves on. As with
    /// <see cref="ReadAsync"/>, the type is <c>message</c> when none or an empty one was given, and each item carries the
    /// last event id (<see langword="null"/> if none) and the reconnection time as they stood at dispatch.
    /// </summary>
    /// <param name="stream">The response body.</param>
    /// <param name="maxEventBytes">The largest event accepted; a larger one ends the read with EVENT_TOO_LARGE.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <exception cref="StreamErrorException">EVENT_TOO_LARGE, thrown from the enumeration.</exception>
    public static IAsyncEnumerable<SseItem<ReadOnlyMemory<byte>>> ReadUtf8Async(
        Stream stream,
        int maxEventBytes = DefaultMaxEventBytes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEventBytes, 1);
        return ReadUtf8CoreAsync(stream, maxEventBytes, cancellationToken);
    }

    private static async IAsyncEnumerable<SseItem<ReadOnlyMemory<byte>>> ReadUtf8CoreAsync(
        Stream stream,
        int maxEventBytes,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var limited = new ByteLimitedStream(stream, maxEventBytes);
        var parser = SseParser.Create(limited, new ReusedBuffer(maxEventBytes).Hold);
        await foreach (var item in parser.EnumerateAsync(cancellationToken))
        {
            limited.Reset();
            var type = item.EventType.Length == 0 ? MessageType : item.EventType;
            yield return new SseItem<ReadOnlyMemory<byte>>(item.Data, type)
            {
                EventId = parser.LastEventId.Length == 0 ? null : parser.LastEventId,
                ReconnectionInterval = Retry(parser),
            };
        }
    }

    private static async IAsyncEnumerable<SseFrame> ReadCoreAsync(
        Stream stream,
        int maxEventBytes,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var limited = new ByteLimitedStream(stream, maxEventBytes);

        // Decoding in the item parser means UTF-8 is decoded once per whole event, never per read.
        var parser = SseParser.Create(limited, static (_, data) => Encoding.UTF8.GetString(data));
        await foreach (var item in parser.EnumerateAsync(cancellationToken))
        {
            limited.Reset();

            // The iterator yields before it reads another line, so the parser's state now is the committed state.
            var type = item.EventType.Length == 0 ? MessageType : item.EventType;
            yield return new SseFrame(type, item.Data, parser.LastEventId, Retry(parser));
        }
    }

    private static TimeSpan? Retry<T>(SseParser<T> parser) =>
        parser.ReconnectionInterval == Timeout.InfiniteTimeSpan ? null : parser.ReconnectionInterval;

    /// <summary>Where <see cref="ReadUtf8Async"/> keeps the current event's data: grown as needed, never past the event limit.</summary>
    private sealed class ReusedBuffer(int maxEventBytes)
    {
        private byte[] _bytes = new byte[Math.Min(1024, maxEventBytes)];

        public ReadOnlyMemory<byte> Hold(string eventType, ReadOnlySpan<byte> data)
        {
            if (data.Length > _bytes.Length)
            {
                _bytes = new byte[Math.Max(data.Length, Math.Min(_bytes.Length * 2, maxEventBytes))];
            }

            data.CopyTo(_bytes);
            return _bytes.AsMemory(0, data.Length);
        }
    }
}
