using System.Buffers;
using System.Text;
using System.Text.Json;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// One <c>--json</c> line: <c>{"event":"&lt;wire name&gt;","id":"&lt;streamId&gt;:&lt;seq&gt;",...data}</c>.
/// </summary>
internal static class JsonEventLine
{
    public static string Format(StreamEvent streamEvent)
    {
        ArgumentNullException.ThrowIfNull(streamEvent);
        var data = StreamEventSerializer.SerializeData(streamEvent);
        using var doc = JsonDocument.Parse(data);
        var buffer = new ArrayBufferWriter<byte>(data.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, StreamEventSerializer.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("event", streamEvent.WireName);
            if (streamEvent.EventId is { } id)
            {
                writer.WriteString("id", id);
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
