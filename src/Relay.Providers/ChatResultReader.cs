using System.Text.Json;
using Relay.Contracts;

namespace Relay.Providers;

/// <summary>Reads a non-streamed chat completion into a <see cref="ChatResult"/>.</summary>
internal static class ChatResultReader
{
    public static ChatResult Read(string body, string requestedModel, SecretRedactor redactor)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new StreamErrorException(StreamErrorCode.MalformedEvent, "The upstream's answer is not valid JSON.", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new StreamErrorException(StreamErrorCode.MalformedEvent, "The upstream's answer is not a JSON object.");
            }

            // OpenRouter sometimes answers 200 with an error object instead of choices.
            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                throw new StreamErrorException(UpstreamErrors.FromErrorObject(error, redactor));
            }

            if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
            {
                throw new StreamErrorException(StreamErrorCode.MalformedEvent, "The upstream's answer has no choices.");
            }

            var choice = choices[0];
            var message = choice.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
            var finish = Str(choice, "finish_reason");
            if (finish == "error")
            {
                throw new StreamErrorException(StreamErrorCode.UpstreamError, "The upstream ended the answer with an error.");
            }

            var toolCalls = new List<ToolCall>();
            if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
            {
                foreach (var call in calls.EnumerateArray())
                {
                    var function = call.TryGetProperty("function", out var f) ? f : default;
                    toolCalls.Add(new ToolCall(Str(call, "id") ?? "", Str(function, "name") ?? "", Str(function, "arguments") ?? ""));
                }
            }

            return new ChatResult
            {
                Model = Str(root, "model") is { Length: > 0 } model ? model : requestedModel,
                Provider = Str(root, "provider"),
                Text = Str(message, "content") ?? "",
                Reasoning = Str(message, "reasoning") is { Length: > 0 } r ? r : null,
                ToolCalls = toolCalls,
                Usage = root.TryGetProperty("usage", out var usage) ? UsageReader.Read(usage) : null,
                FinishReason = toolCalls.Count > 0 && finish == "stop" ? "tool_calls" : finish ?? "stop",
            };
        }
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
