using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Relay.Contracts;
using AI = Microsoft.Extensions.AI;
using RelayMessage = Relay.Contracts.ChatMessage;
using RelayRole = Relay.Contracts.ChatRole;

namespace Relay.Client;

/// <summary>
/// <see cref="IChatClient"/> over <see cref="EdgeClient"/> for Microsoft.Extensions.AI users: text, reasoning
/// (<see cref="TextReasoningContent"/>), tool calls (<see cref="FunctionCallContent"/>, assembled from the
/// streamed fragments), usage (<see cref="UsageContent"/>) and the finish reason, with the edge's
/// reconnection underneath.
/// </summary>
public sealed class RelayChatClient(EdgeClient edge, string? defaultModel = null) : IChatClient
{
    private readonly ChatClientMetadata _metadata = new("relay", null, defaultModel);

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = await edge.ChatAsync(ToRequest(messages, options), cancellationToken);
        var message = new AI.ChatMessage(AI.ChatRole.Assistant, []);
        if (result.Reasoning is { Length: > 0 } reasoning)
        {
            message.Contents.Add(new TextReasoningContent(reasoning));
        }

        if (result.Text.Length > 0)
        {
            message.Contents.Add(new TextContent(result.Text));
        }

        foreach (var call in result.ToolCalls)
        {
            message.Contents.Add(new FunctionCallContent(call.Id, call.Name, ParseArguments(call.Arguments)));
        }

        return new ChatResponse(message)
        {
            ModelId = result.Model,
            FinishReason = FinishReason(result.FinishReason),
            Usage = result.Usage is { } u ? ToUsage(u) : null,
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AI.ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? model = null;
        string? responseId = null;
        var calls = new SortedDictionary<int, (string? Id, string? Name, System.Text.StringBuilder Arguments)>();
        await foreach (var e in edge.StreamChatAsync(ToRequest(messages, options), cancellationToken))
        {
            switch (e)
            {
                case StartEvent s:
                    (model, responseId) = (s.Model, s.StreamId);
                    break;
                case RestartedEvent:
                    calls.Clear();
                    break;
                case DeltaEvent d:
                    yield return Update(new TextContent(d.Text));
                    break;
                case ReasoningEvent r:
                    yield return Update(new TextReasoningContent(r.Text));
                    break;
                case ToolCallEvent t:
                    var call = calls.TryGetValue(t.Index, out var c) ? c : (null, null, new System.Text.StringBuilder());
                    calls[t.Index] = (call.Id ?? t.ToolCallId, call.Name ?? t.Name, call.Arguments.Append(t.Arguments));
                    break;
                case UsageEvent u:
                    yield return Update(new UsageContent(ToUsage(u.Usage)));
                    break;
                case DoneEvent done:
                    var final = Update();
                    foreach (var (_, (id, name, arguments)) in calls)
                    {
                        final.Contents.Add(new FunctionCallContent(id ?? "", name ?? "", ParseArguments(arguments.ToString())));
                    }

                    final.FinishReason = FinishReason(done.FinishReason);
                    yield return final;
                    break;
                case ErrorEvent error:
                    throw new StreamErrorException(error.Error);
            }
        }

        ChatResponseUpdate Update(AIContent? content = null) => new(AI.ChatRole.Assistant, content is null ? [] : [content])
        {
            ModelId = model,
            ResponseId = responseId,
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(edge) ? edge
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The EdgeClient and its HttpClient belong to whoever created them.
    }

    private ChatRequest ToRequest(IEnumerable<AI.ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var list = new List<RelayMessage>();
        foreach (var m in messages)
        {
            var role = m.Role == AI.ChatRole.System ? RelayRole.System
                : m.Role == AI.ChatRole.Assistant ? RelayRole.Assistant
                : m.Role == AI.ChatRole.Tool ? RelayRole.Tool
                : RelayRole.User;
            var calls = m.Contents.OfType<FunctionCallContent>()
                .Select(c => new ToolCall(c.CallId, c.Name, JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions)))
                .ToList();
            if (m.Contents.OfType<FunctionResultContent>().FirstOrDefault() is { } result)
            {
                list.Add(new RelayMessage(RelayRole.Tool, result.Result?.ToString() ?? "") { ToolCallId = result.CallId });
                continue;
            }

            list.Add(new RelayMessage(role, calls.Count > 0 && m.Text.Length == 0 ? null : m.Text) { ToolCalls = calls.Count > 0 ? calls : null });
        }

        return new ChatRequest
        {
            Model = options?.ModelId ?? defaultModel,
            Messages = list,
            MaxTokens = options?.MaxOutputTokens,
            Temperature = options?.Temperature,
            TopP = options?.TopP,
            Stop = options?.StopSequences is { Count: > 0 } stop ? [.. stop] : null,
            Seed = options?.Seed is { } seed ? (int)seed : null,
            Tools = ToTools(options?.Tools),
        };
    }

    private static JsonElement? ToTools(IList<AITool>? tools)
    {
        if (tools is not { Count: > 0 })
        {
            return null;
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var f in tools.OfType<AIFunctionDeclaration>())
            {
                w.WriteStartObject();
                w.WriteString("type", "function");
                w.WriteStartObject("function");
                w.WriteString("name", f.Name);
                w.WriteString("description", f.Description);
                w.WritePropertyName("parameters");
                f.JsonSchema.WriteTo(w);
                w.WriteEndObject();
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        return JsonDocument.Parse(buffer.ToArray()).RootElement.Clone();
    }

    private static Dictionary<string, object?>? ParseArguments(string json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(Dictionary<string, object?>))) as Dictionary<string, object?>;
        }
        catch (JsonException)
        {
            return new Dictionary<string, object?> { ["_raw"] = json };
        }
    }

    private static UsageDetails ToUsage(Usage u) => new()
    {
        InputTokenCount = u.PromptTokens,
        OutputTokenCount = u.CompletionTokens,
        TotalTokenCount = u.TotalTokens,
    };

    private static ChatFinishReason FinishReason(string reason) => reason switch
    {
        "stop" => ChatFinishReason.Stop,
        "length" => ChatFinishReason.Length,
        "tool_calls" => ChatFinishReason.ToolCalls,
        "content_filter" => ChatFinishReason.ContentFilter,
        _ => new ChatFinishReason(reason),
    };
}
