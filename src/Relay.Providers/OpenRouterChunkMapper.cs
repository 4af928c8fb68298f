using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Relay.Contracts;

namespace Relay.Providers;

/// <summary>
/// Turns OpenRouter's stream chunks into stream events, one chunk at a time, for every shape it really sends
/// (shared/reference/openrouter-streaming.md §3-§5): role-only and empty-choices chunks, content riding on the
/// finish chunk, reasoning in <c>reasoning</c> or only in <c>reasoning_details</c>, tool-call fragments, the
/// finish arriving before (or twice around) the usage chunk, and five mid-stream error shapes. The terminal
/// event is held until <c>[DONE]</c> or end of input so the order is always content, usage, then done.
/// </summary>
internal sealed class OpenRouterChunkMapper(string requestedModel, SecretRedactor redactor)
{
    private string? _finishReason;
    private string? _nativeFinishReason;
    private bool _sawToolCalls;

    public bool Started { get; private set; }

    public bool Finished { get; private set; }

    public Usage? Usage { get; private set; }

    public string Model { get; private set; } = requestedModel;

    public string? Provider { get; private set; }

    public int ContentEvents { get; private set; }

    /// <summary>The finish reason of a completed stream, or the error code of a failed one.</summary>
    public string? Outcome { get; private set; }

    private static ReadOnlySpan<byte> DoneSentinel => "[DONE]"u8;

    /// <summary>Maps one event's data (UTF-8, read in place); appends what it yields to <paramref name="output"/>.</summary>
    public void OnData(ReadOnlyMemory<byte> data, List<StreamEvent> output)
    {
        if (Finished)
        {
            return;
        }

        if (data.Span.SequenceEqual(DoneSentinel))
        {
            Complete(output);
            return;
        }

        var valid = Utf8.IsValid(data.Span);
        if (Started && valid && ContentChunkReader.TryRead(data.Span, out var text))
        {
            if (text is { Length: > 0 })
            {
                output.Add(new DeltaEvent(text));
                ContentEvents++;
            }

            return;
        }

        JsonDocument doc;
        try
        {
            // Parsed from the bytes, not from a string per chunk. Invalid UTF-8 is decoded first, as it always was:
            // replaced by U+FFFD rather than failing the answer.
            doc = valid ? JsonDocument.Parse(data) : JsonDocument.Parse(Encoding.UTF8.GetString(data.Span));
        }
        catch (JsonException)
        {
            // Never skip a chunk silently: a skipped chunk is a hole in the answer.
            Fail(output, StreamError.Create(StreamErrorCode.MalformedEvent, "The upstream sent a data line that is not valid JSON."));
            return;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                Fail(output, StreamError.Create(StreamErrorCode.MalformedEvent, "The upstream sent a chunk that is not a JSON object."));
                return;
            }

            Start(root, output);
            if (root.TryGetProperty("error", out var topError) && topError.ValueKind == JsonValueKind.Object)
            {
                Fail(output, UpstreamErrors.FromErrorObject(topError, redactor)); // shapes A, C and D
                return;
            }

            if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array)
            {
                foreach (var choice in choices.EnumerateArray())
                {
                    if (MapChoice(choice, output))
                    {
                        return;
                    }
                }
            }

            if (root.TryGetProperty("usage", out var usage) && UsageReader.Read(usage) is { } u)
            {
                Usage = u; // the last usage seen wins
            }
        }
    }

    /// <summary>End of input: completes a finished answer, or reports the truncation.</summary>
    public void OnEnd(List<StreamEvent> output)
    {
        if (Finished)
        {
            return;
        }

        if (_finishReason is not null)
        {
            Complete(output);
        }
        else
        {
            Fail(output, StreamError.Create(StreamErrorCode.StreamInterrupted, "The upstream closed the stream before the answer was complete."));
        }
    }

    /// <summary>The idle watchdog fired: a finished answer whose [DONE] never came is still complete.</summary>
    public void OnIdleTimeout(List<StreamEvent> output)
    {
        if (_finishReason is not null)
        {
            Complete(output);
        }
        else
        {
            Fail(output, StreamError.Create(StreamErrorCode.UpstreamTimeout, "The upstream sent nothing within the idle timeout."));
        }
    }

    /// <summary>Ends the stream with an error from outside (a reset connection, an oversized event).</summary>
    public void Fail(List<StreamEvent> output, StreamError error)
    {
        if (Finished)
        {
            return;
        }

        Finished = true;
        Outcome = error.WireName;
        if (Usage is { } usage)
        {
            // The upstream reported usage before it failed: exact figures for what was billed.
            output.Add(new UsageEvent(usage));
        }

        output.Add(new ErrorEvent(error));
    }

    private void Start(JsonElement root, List<StreamEvent> output)
    {
        if (Started)
        {
            return;
        }

        Started = true;
        if (root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String && model.GetString() is { Length: > 0 } m)
        {
            Model = m;
        }

        if (root.TryGetProperty("provider", out var provider) && provider.ValueKind == JsonValueKind.String)
        {
            Provider = provider.GetString();
        }

        output.Add(new StartEvent(string.Empty, Model, Provider));
    }

    /// <summary>Maps one choice; true when it ended the stream with an error.</summary>
    private bool MapChoice(JsonElement choice, List<StreamEvent> output)
    {
        if (choice.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object)
        {
            MapDelta(delta, output);
        }

        if (choice.TryGetProperty("error", out var choiceError) && choiceError.ValueKind == JsonValueKind.Object)
        {
            Fail(output, UpstreamErrors.FromErrorObject(choiceError, redactor)); // shape B
            return true;
        }

        if (String(choice, "native_finish_reason") is { } native)
        {
            _nativeFinishReason = native;
        }

        if (String(choice, "finish_reason") is { } finish)
        {
            if (finish == "error")
            {
                Fail(output, StreamError.Create(StreamErrorCode.UpstreamError, "The upstream ended the answer with an error."));
                return true;
            }

            // Never overwrite a reason with null; a stop after tool calls stays tool_calls (Gemini sends both).
            _finishReason = _sawToolCalls && finish == "stop" ? "tool_calls" : finish;
        }

        return false;
    }

    private void MapDelta(JsonElement delta, List<StreamEvent> output)
    {
        if (String(delta, "reasoning") is { Length: > 0 } reasoning)
        {
            output.Add(new ReasoningEvent(reasoning));
            ContentEvents++;
        }
        else if (delta.TryGetProperty("reasoning_details", out var details) && details.ValueKind == JsonValueKind.Array)
        {
            foreach (var detail in details.EnumerateArray())
            {
                if ((String(detail, "text") ?? String(detail, "summary")) is { Length: > 0 } text)
                {
                    output.Add(new ReasoningEvent(text));
                    ContentEvents++;
                }
            }
        }

        if (String(delta, "content") is { Length: > 0 } content)
        {
            output.Add(new DeltaEvent(content));
            ContentEvents++;
        }

        if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var index = call.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
                string? name = null;
                string? arguments = null;
                if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                {
                    name = String(function, "name");
                    arguments = String(function, "arguments");
                }

                var id = String(call, "id");
                if (id is not null || !string.IsNullOrEmpty(name) || !string.IsNullOrEmpty(arguments))
                {
                    _sawToolCalls = true;
                    output.Add(new ToolCallEvent(index, id, name, arguments));
                    ContentEvents++;
                }
            }
        }
    }

    private void Complete(List<StreamEvent> output)
    {
        if (_finishReason is null)
        {
            Fail(output, StreamError.Create(StreamErrorCode.StreamInterrupted, "The upstream ended the stream without a finish reason."));
            return;
        }

        // Shape E: a normal-looking stop whose provider reason is an error, with no usage, is a cut stream.
        if (Usage is null && _nativeFinishReason is "error" or "network_error")
        {
            Fail(output, StreamError.Create(StreamErrorCode.StreamInterrupted, $"The upstream stopped with '{_nativeFinishReason}'."));
            return;
        }

        if (Usage is { } usage)
        {
            output.Add(new UsageEvent(usage));
        }

        Finished = true;
        Outcome = _finishReason;
        output.Add(new DoneEvent(_finishReason));
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
