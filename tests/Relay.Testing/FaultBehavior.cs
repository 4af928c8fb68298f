namespace Relay.Testing;

/// <summary>What <see cref="FaultProxy"/> does to one connection's response bytes.</summary>
public sealed record FaultBehavior
{
    /// <summary>Forward everything untouched.</summary>
    public static FaultBehavior PassThrough { get; } = new();

    /// <summary>Reset (RST) after this many response bytes, headers included.</summary>
    public long? ResetAfterBytes { get; init; }

    /// <summary>Wait this long before forwarding each piece of the response.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Forward at most this many bytes a second (in small writes).</summary>
    public int? BytesPerSecond { get; init; }

    /// <summary>Forward this many response bytes, then nothing more (the connection stays open).</summary>
    public long? StallAfterBytes { get; init; }

    /// <summary>A reset after <paramref name="bytes"/> response bytes.</summary>
    public static FaultBehavior ResetAfter(long bytes) => new() { ResetAfterBytes = bytes };
}
