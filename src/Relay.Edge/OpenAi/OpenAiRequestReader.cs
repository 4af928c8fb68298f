using System.Text.Json;
using Relay.Contracts;

namespace Relay.Edge.OpenAi;

/// <summary>
/// Reads requests as OpenAI's SDKs send them: content as a string or an array of text and image parts, the
/// <c>developer</c> role as system, <c>max_completion_tokens</c> or <c>max_tokens</c>, tools passed through,
/// <c>stream_options</c>, and every unknown field ignored.
/// </summary>
internal static class OpenAiRequestReader
{
    public static async Task<(ChatRequest? Request, bool Stream, bool IncludeUsage, StreamError? Error, int Status)> ReadAsync(HttpRequest http, string defaultModel)
    {
        if (!JsonMediaType.Matches(http.ContentType))
        {
            return (null, false, false, StreamError.Create(StreamErrorCode.InvalidRequest, "Content-Type must be application/json (UTF-8)."), 415);
        }

        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Body, cancellationToken: http.HttpContext.RequestAborted);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Invalid("The body must be a JSON object.");
            }

            if (!root.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                return Invalid("messages: an array of messages is required.");
            }

            var messages = new List<ChatMessage>();
            var i = 0;
            foreach (var m in list.EnumerateArray())
            {
                if (ReadMessage(m, i++) is { } problem)
                {
                    return Invalid(problem);
                }

                messages.Add(Message(m));
            }

            var request = new ChatRequest
            {
                Model = Str(root, "model") is { Length: > 0 } model ? model : defaultModel,
                Models = root.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array
                    ? [.. models.EnumerateArray().Select(m => m.ValueKind == JsonValueKind.String ? m.GetString()! : "")]
                    : null,
                Messages = messages,
                MaxTokens = Int(root, "max_completion_tokens") ?? Int(root, "max_tokens"),
                Temperature = Num(root, "temperature"),
                TopP = Num(root, "top_p"),
                Seed = Int(root, "seed"),
                Stop = root.TryGetProperty("stop", out var stop) ? stop.ValueKind switch
                {
                    JsonValueKind.String => [stop.GetString()!],
                    JsonValueKind.Array => [.. stop.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.String).Select(s => s.GetString()!)],
                    _ => null,
                } : null,
                ReasoningEffort = Str(root, "reasoning_effort") ?? (root.TryGetProperty("reasoning", out var r) ? Str(r, "effort") : null),
                Tools = root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array ? tools.Clone() : null,
                ToolChoice = root.TryGetProperty("tool_choice", out var choice) && choice.ValueKind is JsonValueKind.String or JsonValueKind.Object ? choice.Clone() : null,
            };
            if (RequestValidator.Check(request) is { } invalid)
            {
                return Invalid(invalid);
            }

            var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var includeUsage = root.TryGetProperty("stream_options", out var so) && so.ValueKind == JsonValueKind.Object &&
                so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
            return (request, stream, includeUsage, null, 200);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, false, false, StreamError.Create(StreamErrorCode.RequestTooLarge, $"The body is over {TrafficLimits.MaxBodyBytes} bytes."), 413);
        }
        catch (JsonException ex)
        {
            return Invalid($"Invalid JSON: {ex.Message.Split(" Path:")[0]}");
        }
        catch (InvalidOperationException ex)
        {
            return Invalid($"A field has the wrong type: {ex.Message}");
        }
        catch (FormatException ex)
        {
            return Invalid($"A number is out of range: {ex.Message}");
        }
    }

    private static (ChatRequest?, bool, bool, StreamError?, int) Invalid(string message) =>
        (null, false, false, StreamError.Create(StreamErrorCode.InvalidRequest, message), 400);

    private static string? ReadMessage(JsonElement m, int i)
    {
        if (m.ValueKind != JsonValueKind.Object)
        {
            return $"messages[{i}]: must be an object.";
        }

        return Str(m, "role") switch
        {
            "system" or "developer" or "user" or "assistant" or "tool" => null,
            null => $"messages[{i}].role: required.",
            var other => $"messages[{i}].role: '{(other.Length > 20 ? other[..20] : other)}' is not system, developer, user, assistant or tool.",
        };
    }

    private static ChatMessage Message(JsonElement m)
    {
        var role = Str(m, "role") switch
        {
            "system" or "developer" => ChatRole.System,
            "assistant" => ChatRole.Assistant,
            "tool" => ChatRole.Tool,
            _ => ChatRole.User,
        };
        var message = m.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Array
            ? ChatMessage.FromParts(role, c.Deserialize(RelayJsonContext.Default.IReadOnlyListContentPart) ?? [])
            : new ChatMessage(role, Str(m, "content"));

        List<ToolCall>? calls = null;
        if (m.TryGetProperty("tool_calls", out var tc) && tc.ValueKind == JsonValueKind.Array)
        {
            calls = [.. tc.EnumerateArray().Select(t =>
            {
                var f = t.TryGetProperty("function", out var fn) ? fn : default;
                return new ToolCall(Str(t, "id") ?? "", Str(f, "name") ?? "", Str(f, "arguments") ?? "");
            })];
        }

        return message with { ToolCalls = calls, ToolCallId = Str(m, "tool_call_id") };
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetInt32() : null;

    private static double? Num(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.GetDouble() : null;
}
