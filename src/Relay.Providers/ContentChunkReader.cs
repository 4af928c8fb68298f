using System.Text.Json;

namespace Relay.Providers;

/// <summary>
/// Reads the shape nearly every chunk after the first has, forward once and with no document (a JsonDocument per
/// token was a fifth of what the edge allocated): one choice whose delta carries content, or nothing, beside its
/// role; no finish reason, error, usage, reasoning or tool call, no repeated property, nothing after the object.
/// <see cref="TryRead"/> is false for any other chunk, which then gets <see cref="OpenRouterChunkMapper"/>'s full
/// mapping, so both give the same events.
/// </summary>
internal static class ContentChunkReader
{
    /// <summary>Reads one chunk if it has the plain content shape.</summary>
    /// <param name="data">The chunk, valid UTF-8.</param>
    /// <param name="content">The delta's content; null when it has none.</param>
    public static bool TryRead(ReadOnlySpan<byte> data, out string? content)
    {
        content = null;
        var reader = new Utf8JsonReader(data);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var choices = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("choices"u8))
                {
                    // Exactly one choice.
                    if (choices || !reader.Read() || reader.TokenType != JsonTokenType.StartArray || !TryReadChoice(ref reader, ref content)
                        || !reader.Read() || reader.TokenType != JsonTokenType.EndArray)
                    {
                        return false;
                    }

                    choices = true;
                }
                else if (!SkipUnlessMapped(ref reader, "error"u8, "usage"u8))
                {
                    return false;
                }
            }

            // The object ends the input: anything after it is malformed, which the full mapping reports.
            return choices && reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool TryReadChoice(ref Utf8JsonReader reader, ref string? content)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var delta = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8))
            {
                if (delta || !reader.Read() || reader.TokenType != JsonTokenType.StartObject || !TryReadDelta(ref reader, ref content))
                {
                    return false;
                }

                delta = true;
            }
            else if (!SkipUnlessMapped(ref reader, "finish_reason"u8, "native_finish_reason"u8, "error"u8))
            {
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool TryReadDelta(ref Utf8JsonReader reader, ref string? content)
    {
        var seen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                if (seen || !reader.Read() || reader.TokenType is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    return false;
                }

                seen = true;
                content = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("role"u8))
            {
                reader.Skip();
            }
            else if (!reader.Read() || reader.TokenType != JsonTokenType.Null)
            {
                // Reasoning, tool calls or anything new in a delta: the full mapping decides.
                return false;
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>
    /// On a property name: false when it is one the full mapping acts on and its value is not null; else skips the value.
    /// </summary>
    private static bool SkipUnlessMapped(ref Utf8JsonReader reader, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, ReadOnlySpan<byte> third = default)
    {
        var mapped = reader.ValueTextEquals(first) || reader.ValueTextEquals(second) || (!third.IsEmpty && reader.ValueTextEquals(third));
        reader.Skip();
        return !mapped || reader.TokenType == JsonTokenType.Null;
    }
}
