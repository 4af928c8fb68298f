using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;

namespace Relay.Contracts;

/// <summary>Writes and reads the <c>data</c> of stream events, the JSON shapes fixed by the contract.</summary>
public static class StreamEventSerializer
{
    /// <summary>
    /// Writer options for event data: text stays UTF-8 rather than \u escapes (an emoji is 4 bytes, not 12);
    /// control characters, quotes and backslashes are still escaped, so a data line never breaks.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly RelayJsonContext Json = RelayJsonContext.Default;

    /// <summary>Writes the event's <c>data</c> JSON.</summary>
    public static void WriteData(StreamEvent streamEvent, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(streamEvent);
        switch (streamEvent)
        {
            case DeltaEvent e: JsonSerializer.Serialize(writer, e, Json.DeltaEvent); break;
            case ReasoningEvent e: JsonSerializer.Serialize(writer, e, Json.ReasoningEvent); break;
            case ToolCallEvent e: JsonSerializer.Serialize(writer, e, Json.ToolCallEvent); break;
            case StartEvent e: JsonSerializer.Serialize(writer, e, Json.StartEvent); break;
            case UsageEvent e: JsonSerializer.Serialize(writer, e.Usage, Json.Usage); break;
            case DoneEvent e: JsonSerializer.Serialize(writer, e, Json.DoneEvent); break;
            case ErrorEvent e: JsonSerializer.Serialize(writer, e.Error, Json.StreamError); break;
            case ReconnectingEvent e: JsonSerializer.Serialize(writer, e, Json.ReconnectingEvent); break;
            case RestartedEvent e: JsonSerializer.Serialize(writer, e, Json.RestartedEvent); break;
            default: throw new ArgumentException($"Unknown event type {streamEvent.GetType()}.", nameof(streamEvent));
        }
    }

    /// <summary>Writes the event's <c>data</c> JSON to a buffer, as an SSE formatter wants it.</summary>
    public static void WriteData(StreamEvent streamEvent, IBufferWriter<byte> buffer)
    {
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        WriteData(streamEvent, writer);
    }

    /// <summary>The event's <c>data</c> JSON as UTF-8 bytes.</summary>
    public static byte[] SerializeData(StreamEvent streamEvent)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        WriteData(streamEvent, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads an event from its wire name and <c>data</c> JSON.
    /// </summary>
    /// <exception cref="StreamErrorException">MALFORMED_EVENT: unknown name, invalid JSON, or a shape the contract forbids.</exception>
    public static StreamEvent Deserialize(string wireName, string data, string? eventId = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Deserialize(wireName, Encoding.UTF8.GetBytes(data), eventId);
    }

    /// <summary>
    /// Reads an event from its wire name and <c>data</c> JSON as UTF-8, as it came off the wire: no string is made of the
    /// data. Bytes that are not valid UTF-8 are read as U+FFFD, as a text decoder would.
    /// </summary>
    /// <exception cref="StreamErrorException">MALFORMED_EVENT: unknown name, invalid JSON, or a shape the contract forbids.</exception>
    public static StreamEvent Deserialize(string wireName, ReadOnlySpan<byte> data, string? eventId = null)
    {
        ArgumentNullException.ThrowIfNull(wireName);
        if (!Utf8.IsValid(data))
        {
            return Deserialize(wireName, Encoding.UTF8.GetString(data), eventId);
        }

        // Every token takes this path: its text is the only string made, and the event is made once, with its id.
        if (wireName is StreamEventNames.Delta or StreamEventNames.Reasoning && TryReadText(data) is { } text)
        {
            return wireName is StreamEventNames.Delta ? new DeltaEvent(text) { EventId = eventId } : new ReasoningEvent(text) { EventId = eventId };
        }

        try
        {
            StreamEvent? e = wireName switch
            {
                StreamEventNames.Delta => Read(data, Json.DeltaEvent) is { Text.Length: > 0 } d ? d : null,
                StreamEventNames.Reasoning => Read(data, Json.ReasoningEvent) is { Text.Length: > 0 } r ? r : null,
                StreamEventNames.ToolCall => Read(data, Json.ToolCallEvent),
                StreamEventNames.Start => Read(data, Json.StartEvent) is { StreamId: not null, Model: not null } s ? s : null,
                StreamEventNames.Usage => Read(data, Json.Usage) is { } u ? new UsageEvent(u) : null,
                StreamEventNames.Done => Read(data, Json.DoneEvent) is { FinishReason: not null } f ? f : null,
                StreamEventNames.Error => Read(data, Json.StreamError) is { Message: not null } x ? new ErrorEvent(x) : null,
                StreamEventNames.Reconnecting => Read(data, Json.ReconnectingEvent),
                StreamEventNames.Restarted => Read(data, Json.RestartedEvent),
                _ => throw new StreamErrorException(StreamErrorCode.MalformedEvent, $"Unknown event type '{Truncate(wireName)}'."),
            };
            return e is null
                ? throw new StreamErrorException(StreamErrorCode.MalformedEvent, $"The '{wireName}' event lacks a required field.")
                : e with { EventId = eventId };
        }
        catch (JsonException ex)
        {
            throw new StreamErrorException(StreamErrorCode.MalformedEvent, $"The '{Truncate(wireName)}' event's data is not valid: {ex.Message}", ex);
        }
    }

    private static T? Read<T>(ReadOnlySpan<byte> data, JsonTypeInfo<T> typeInfo) => JsonSerializer.Deserialize(data, typeInfo);

    /// <summary>
    /// The text of <c>{"text":"..."}</c> when the data is exactly that, with non-empty text; otherwise null, and the
    /// serializer reads it (and reports what is wrong with it).
    /// </summary>
    private static string? TryReadText(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        try
        {
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("text"u8)
                && reader.Read() && reader.TokenType == JsonTokenType.String && reader.GetString() is { Length: > 0 } text
                && reader.Read() && reader.TokenType == JsonTokenType.EndObject
                && !reader.Read())
            {
                return text;
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40];
}
