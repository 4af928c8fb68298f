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
/// reconnection underneath. With <see cref="ChatOptions.AllowBackgroundResponses"/> every streamed update but the last
/// carries a <see cref="ChatResponseUpdate.ContinuationToken"/>; passing it as <see cref="ChatOptions.ContinuationToken"/>
/// (with no messages) resumes that answer right after that update, in this process or another, and never starts it over.
/// </summary>
public sealed class RelayChatClient : IChatClient
{
    private readonly EdgeClient _edge;
    private readonly RelayChatClientOptions _options;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Creates the client over <paramref name="edge"/>, with <paramref name="defaultModel"/> for requests that name none.</summary>
    public RelayChatClient(EdgeClient edge, string? defaultModel = null)
        : this(edge, new RelayChatClientOptions { DefaultModel = defaultModel })
    {
    }

    /// <summary>Creates the client over <paramref name="edge"/> with <paramref name="options"/>.</summary>
    public RelayChatClient(EdgeClient edge, RelayChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(edge);
        ArgumentNullException.ThrowIfNull(options);
        _edge = edge;
        _options = options;
        _metadata = new("relay", null, options.DefaultModel);
    }

    /// <inheritdoc />
    /// <remarks>With <see cref="ChatOptions.ContinuationToken"/> it waits for that answer to complete and returns all of it.</remarks>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.ContinuationToken is { } token)
        {
            CheckNoMessages(messages);
            var (streamId, _) = ContinuationTokens.Parse(token);
            var whole = await Updates(_edge.ResumeStreamAsync(streamId, null, Streaming, cancellationToken), streamId, background: false, cancellationToken).ToChatResponseAsync(cancellationToken);
            whole.ResponseId = streamId;
            return whole;
        }

        var result = await _edge.ChatAsync(ToRequest(messages, options), cancellationToken);
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
    /// <exception cref="ArgumentException">Both messages and a <see cref="ChatOptions.ContinuationToken"/>, or a token of another client.</exception>
    /// <exception cref="StreamErrorException">The stream's error; STREAM_NOT_FOUND when the edge no longer has a resumed answer.</exception>
    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<AI.ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var background = options?.AllowBackgroundResponses is true;
        if (options?.ContinuationToken is { } token)
        {
            CheckNoMessages(messages);
            var (streamId, lastEventId) = ContinuationTokens.Parse(token);
            return Updates(_edge.ResumeStreamAsync(streamId, lastEventId, Streaming, cancellationToken), streamId, background, cancellationToken);
        }

        // The stream id is chosen here, so even the updates before the edge's first event can carry a token.
        var request = ToRequest(messages, options) with { StreamId = StreamIds.New() };
        return Updates(_edge.StreamChatAsync(request, Streaming, cancellationToken), request.StreamId, background, cancellationToken);
    }

    private StreamOptions Streaming => new() { AllowRestartAfterContent = _options.AllowRestart };

    private static void CheckNoMessages(IEnumerable<AI.ChatMessage> messages)
    {
        if (messages?.Any() is true)
        {
            throw new ArgumentException("Pass either messages or ChatOptions.ContinuationToken, not both: a token resumes an answer already asked for.", nameof(messages));
        }
    }

    /// <summary>
    /// Maps events to updates; a token names the last event whose effect the updates so far carry. Tool-call fragments
    /// are assembled and go out as one update as soon as anything else follows them (their token is the last fragment's),
    /// so a resume never replays them, nor what came after them.
    /// </summary>
    private static async IAsyncEnumerable<ChatResponseUpdate> Updates(
        IAsyncEnumerable<StreamEvent> events, string streamId, bool background, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? model = null;
        string? lastEventId = null;
        var calls = new SortedDictionary<int, (string? Id, string? Name, System.Text.StringBuilder Arguments)>();
        await foreach (var e in events.WithCancellation(cancellationToken))
        {
            if (calls.Count > 0 && e is not ToolCallEvent and not RestartedEvent)
            {
                var assembled = Update([.. calls.Values.Select(c => new FunctionCallContent(c.Id ?? "", c.Name ?? "", ParseArguments(c.Arguments.ToString())))]);
                calls.Clear();
                yield return assembled;
            }

            lastEventId = e.EventId ?? lastEventId;
            switch (e)
            {
                case StartEvent s:
                    (model, streamId) = (s.Model, s.StreamId);
                    break;
                case RestartedEvent:
                    calls.Clear();
                    lastEventId = null;
                    break;
                case DeltaEvent d:
                    yield return Update([new TextContent(d.Text)]);
                    break;
                case ReasoningEvent r:
                    yield return Update([new TextReasoningContent(r.Text)]);
                    break;
                case ToolCallEvent t:
                    var call = calls.TryGetValue(t.Index, out var c) ? c : (null, null, new System.Text.StringBuilder());
                    calls[t.Index] = (call.Id ?? t.ToolCallId, call.Name ?? t.Name, call.Arguments.Append(t.Arguments));
                    break;
                case UsageEvent u:
                    yield return Update([new UsageContent(ToUsage(u.Usage))]);
                    break;
                case DoneEvent done:
                    var final = Update([]);
                    final.ContinuationToken = null; // the last update: there is nothing left to resume
                    final.FinishReason = FinishReason(done.FinishReason);
                    yield return final;
                    break;
                case ErrorEvent error:
                    throw new StreamErrorException(error.Error);
            }
        }

        ChatResponseUpdate Update(List<AIContent> contents) => new(AI.ChatRole.Assistant, contents)
        {
            ModelId = model,
            ResponseId = streamId,
            ContinuationToken = background ? ContinuationTokens.Create(streamId, lastEventId) : null,
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(_edge) ? _edge
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The EdgeClient and its HttpClient belong to whoever created them.
    }

    private static bool IsImage(AIContent content) => content is DataContent { MediaType: var d } && d.StartsWith("image/", StringComparison.OrdinalIgnoreCase)
        || content is UriContent { MediaType: var u } && u.StartsWith("image/", StringComparison.OrdinalIgnoreCase);

    private static ContentPart? Part(AIContent content) => content switch
    {
        TextContent text => ContentPart.FromText(text.Text),
        DataContent data when IsImage(data) => ContentPart.FromImage(data.Uri),
        UriContent uri when IsImage(uri) => ContentPart.FromImage(uri.Uri.ToString()),
        _ => null,
    };

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
                .Select(c => new ToolCall(c.CallId, c.Name, JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>(), AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)))))
                .ToList();
            var results = m.Contents.OfType<FunctionResultContent>().ToList();
            if (results.Count > 0)
            {
                // Parallel calls come back as one message with a result each; the upstream wants a tool message per call.
                list.AddRange(results.Select(r => new RelayMessage(RelayRole.Tool, ResultText(r.Result)) { ToolCallId = r.CallId }));
                continue;
            }

            // Images (DataContent, UriContent) go as image parts, in their place among the text.
            var message = m.Contents.Any(IsImage)
                ? RelayMessage.FromParts(role, [.. m.Contents.Select(Part).OfType<ContentPart>()])
                : new RelayMessage(role, calls.Count > 0 && m.Text.Length == 0 ? null : m.Text);
            list.Add(message with { ToolCalls = calls.Count > 0 ? calls : null });
        }

        return new ChatRequest
        {
            Model = options?.ModelId ?? _options.DefaultModel,
            Messages = list,
            MaxTokens = options?.MaxOutputTokens,
            Temperature = options?.Temperature,
            TopP = options?.TopP,
            Stop = options?.StopSequences is { Count: > 0 } stop ? [.. stop] : null,
            Seed = options?.Seed is { } seed ? (int)seed : null,
            Tools = ToTools(options?.Tools),
        };
    }

    /// <summary>A tool's result as the upstream reads it: text as it is, anything structured as JSON.</summary>
    private static string ResultText(object? result) => result switch
    {
        null => "",
        string text => text,
        JsonElement json => json.GetRawText(),
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };

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
