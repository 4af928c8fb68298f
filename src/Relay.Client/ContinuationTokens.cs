using System.Text;
using Microsoft.Extensions.AI;

namespace Relay.Client;

/// <summary>
/// The continuation tokens of <see cref="RelayChatClient"/>: a stream id and the id of the last event an update carried,
/// as UTF-8 (<c>relay1 STREAM_ID LAST_EVENT_ID</c>). No secret is in them; they work in any process that reaches the edge.
/// </summary>
internal static class ContinuationTokens
{
    private const string Prefix = "relay1 ";

    public static ResponseContinuationToken Create(string streamId, string? lastEventId) =>
        ResponseContinuationToken.FromBytes(Encoding.UTF8.GetBytes(Prefix + streamId + " " + lastEventId));

    /// <exception cref="ArgumentException">Not a token of this client.</exception>
    public static (string StreamId, string? LastEventId) Parse(ResponseContinuationToken token)
    {
        var text = Encoding.UTF8.GetString(token.ToBytes().Span);
        var parts = text.Split(' ');
        if (parts.Length != 3 || parts[0] + " " != Prefix || parts[1].Length == 0)
        {
            throw new ArgumentException("The continuation token was not made by RelayChatClient.", nameof(token));
        }

        return (parts[1], parts[2].Length == 0 ? null : parts[2]);
    }
}
