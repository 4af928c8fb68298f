using System.Globalization;
using StackExchange.Redis;

namespace Relay.Edge.Streams.Redis;

/// <summary>
/// The Redis names of one stream. The id sits in a hash tag (<c>{id}</c>) so every key of a stream lands in
/// the same slot of a Redis Cluster and one script can touch them all.
/// </summary>
internal readonly struct StreamKeys(string streamId)
{
    public RedisKey Events => $"relay:{{{streamId}}}:events";

    public RedisKey Info => $"relay:{{{streamId}}}:info";

    /// <summary>Set by a DELETE on any instance, so the owner's next append sees it even if the pub/sub message was lost.</summary>
    public RedisKey Cancel => $"relay:{{{streamId}}}:cancel";

    public RedisKey Seen => $"relay:{{{streamId}}}:seen";

    /// <summary>Where each append is announced (a pub/sub channel, not a key).</summary>
    public string Appended => $"relay:{{{streamId}}}:appended";

    public string StreamId => streamId;

    /// <summary>An instance's heartbeat: one key per instance, whatever the number of streams it produces.</summary>
    public static RedisKey InstanceLease(string instance) => $"relay:instance:{instance}";

    /// <summary>The entry id of a seq: <c>0-&lt;seq&gt;</c>.</summary>
    public static string EntryId(long seq) => string.Create(CultureInfo.InvariantCulture, $"0-{seq}");

    /// <summary>The seq of an entry id <c>0-&lt;seq&gt;</c>.</summary>
    public static long SeqOf(RedisValue entryId)
    {
        var s = entryId.ToString();
        return long.Parse(s.AsSpan(s.IndexOf('-', StringComparison.Ordinal) + 1), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
