using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace Relay.Contracts;

/// <summary>Stream ids and event ids (<c>&lt;streamId&gt;:&lt;seq&gt;</c>).</summary>
public static class StreamIds
{
    /// <summary>The nanoid alphabet: URL-safe, so ids need no escaping in paths or headers.</summary>
    public const string Alphabet = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

    /// <summary>Length of a generated id (nanoid's default: 126 bits of randomness).</summary>
    public const int GeneratedLength = 21;

    /// <summary>Shortest client-chosen id accepted.</summary>
    public const int MinLength = 8;

    /// <summary>Longest client-chosen id accepted.</summary>
    public const int MaxLength = 64;

    private static readonly SearchValues<char> Allowed = SearchValues.Create(Alphabet);

    /// <summary>A new random stream id of <see cref="GeneratedLength"/> characters.</summary>
    public static string New() => RandomNumberGenerator.GetString(Alphabet, GeneratedLength);

    /// <summary>Whether <paramref name="id"/> is 8 to 64 of <c>[A-Za-z0-9_-]</c>.</summary>
    public static bool IsValid(string? id) =>
        id is { Length: >= MinLength and <= MaxLength } && !id.AsSpan().ContainsAnyExcept(Allowed);

    /// <summary>The id of event <paramref name="seq"/> of stream <paramref name="streamId"/>.</summary>
    public static string FormatEventId(string streamId, long seq) =>
        string.Create(CultureInfo.InvariantCulture, $"{streamId}:{seq}");

    /// <summary>Splits an event id into its stream id and seq (seq 1 or more).</summary>
    public static bool TryParseEventId(string? eventId, out string streamId, out long seq)
    {
        streamId = string.Empty;
        seq = 0;
        var colon = eventId?.LastIndexOf(':') ?? -1;
        if (colon <= 0 ||
            !long.TryParse(eventId.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out seq) ||
            seq < 1)
        {
            return false;
        }

        streamId = eventId![..colon];
        return true;
    }
}
