namespace Relay.Edge.Streams.Redis;

/// <summary>How the Redis store keeps ownership (the <c>Relay:RedisStore</c> section; the defaults suit production).</summary>
internal sealed class RedisStreamStoreOptions
{
    /// <summary>How often the owner renews the lease of each stream it produces.</summary>
    public TimeSpan LeaseRenewal { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a lease lasts unrenewed: after this a stream whose owner stopped is lost.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How long a reader waits for an append before it checks the owner's lease.</summary>
    public TimeSpan LeaseCheck { get; set; } = TimeSpan.FromSeconds(2);
}
