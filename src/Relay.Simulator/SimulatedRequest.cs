using System.Text.Json;
using Relay.Contracts;

namespace Relay.Simulator;

/// <summary>The parts of an OpenAI-shaped chat request the simulator reads.</summary>
internal sealed record SimulatedRequest(string Model, IReadOnlyList<ChatMessage> Messages, int? MaxTokens, int? Seed, bool Stream, string? ToolName)
{
    /// <summary>Whether a message carries an image part.</summary>
    public bool HasImages => Messages.Any(m => m.Parts?.Any(p => p.Type == ContentPart.ImageType) == true);

    /// <summary>OpenRouter's fallbacks, tried in order after <see cref="Model"/>.</summary>
    public IReadOnlyList<string> Fallbacks { get; init; } = [];

    public static SimulatedRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("The body must be a JSON object.");
        }

        var messages = new List<ChatMessage>();
        if (root.TryGetProperty("messages", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in list.EnumerateArray())
            {
                var role = Str(m, "role") switch
                {
                    "system" or "developer" => ChatRole.System,
                    "assistant" => ChatRole.Assistant,
                    "tool" => ChatRole.Tool,
                    _ => ChatRole.User,
                };
                messages.Add(m.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.Array
                    ? ChatMessage.FromParts(role, c.Deserialize(RelayJsonContext.Default.IReadOnlyListContentPart) ?? [])
                    : new ChatMessage(role, Str(m, "content")));
            }
        }

        if (messages.Count == 0)
        {
            throw new FormatException("messages is required and must not be empty.");
        }

        string? tool = null;
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0 &&
            tools[0].TryGetProperty("function", out var f))
        {
            tool = Str(f, "name");
        }

        return new SimulatedRequest(
            Str(root, "model") ?? SimulatedModel.DefaultId,
            messages,
            Int(root, "max_completion_tokens") ?? Int(root, "max_tokens"),
            Int(root, "seed"),
            root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True,
            tool)
        {
            Fallbacks = root.TryGetProperty("models", out var models) && models.ValueKind == JsonValueKind.Array
                ? [.. models.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.String).Select(m => m.GetString()!)]
                : [],
        };
    }

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
}
