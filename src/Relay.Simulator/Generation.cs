using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

namespace Relay.Simulator;

/// <summary>One answer being sent: paced on the simulator's clock, flushed event by event.</summary>
internal sealed class Generation(HttpContext context, SimulatorState state, SimulatorKnobs knobs, SimulatedModel model, SimulatedRequest request, SimulatedAnswer answer)
{
    private readonly ChunkFormatter _chunks = new(model, "gen-" + state.Time.GetUtcNow().ToUnixTimeSeconds() + "-" + Guid.NewGuid().ToString("N")[..20], state.Time.GetUtcNow().ToUnixTimeSeconds());

    private TimeSpan Ttft => knobs.TimeToFirstToken ?? state.Options.TimeToFirstToken;

    private TimeSpan Interval => knobs.Interval ?? state.Options.TokenInterval;

    private bool UsesTool => knobs.ToolCall || (request.ToolName is not null && request.Messages[^1].Content?.Contains("weather", StringComparison.OrdinalIgnoreCase) == true);

    public async Task WholeAsync()
    {
        await DelayAsync(Ttft, context.RequestAborted);
        var json = new StringBuilder("{\"id\":\"gen-whole\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"")
            .Append(model.Id).Append("\",\"provider\":\"").Append(model.Provider).Append("\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
        if (UsesTool)
        {
            json.Append("null,\"tool_calls\":[{\"id\":\"call_sim_1\",\"type\":\"function\",\"function\":{\"name\":")
                .Append(ChunkFormatter.Json(request.ToolName ?? "get_weather")).Append(",\"arguments\":").Append(ChunkFormatter.Json(ToolArguments)).Append("}}]},\"finish_reason\":\"tool_calls\"");
        }
        else
        {
            json.Append(ChunkFormatter.Json(answer.Text));
            if (answer.Reasoning.Length > 0)
            {
                json.Append(",\"reasoning\":").Append(ChunkFormatter.Json(answer.Reasoning));
            }

            json.Append("},\"finish_reason\":\"").Append(answer.CutByMaxTokens ? "length" : "stop").Append('"');
        }

        json.Append(",\"native_finish_reason\":\"").Append(Native(answer.CutByMaxTokens ? "length" : "stop")).Append("\"}],\"usage\":").Append(Usage()).Append('}');
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json.ToString(), context.RequestAborted);
        state.StreamCompleted(started: false);
    }

    public async Task StreamAsync()
    {
        long? abortedAt = null;
        using var registration = context.RequestAborted.Register(() => abortedAt = state.Time.GetTimestamp());
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Generation-Id"] = "gen-sim";
        var writer = new EventWriter(context, knobs);
        var ct = context.RequestAborted;
        state.StreamStarted();
        try
        {
            await context.Response.StartAsync(ct);
            for (var i = 0; i < knobs.Comments; i++)
            {
                await writer.CommentAsync(ct);
            }

            await DelayAsync(Ttft, ct);
            foreach (var r in answer.ReasoningTokens)
            {
                await writer.DataAsync(_chunks.Reasoning(r), ct);
                await DelayAsync(Interval, ct);
            }

            if (UsesTool)
            {
                await writer.DataAsync(_chunks.ToolCallStart("call_sim_1", request.ToolName ?? "get_weather"), ct);
                foreach (var fragment in new[] { "{\"city\":", "\"Paris\"", "}" })
                {
                    await DelayAsync(Interval, ct);
                    await writer.DataAsync(_chunks.ToolCallArguments(fragment), ct);
                }

                await FinishAsync(writer, "tool_calls", ct);
                return;
            }

            for (var k = 1; k <= answer.Tokens.Count; k++)
            {
                if (await SpecialAsync(writer, k, ct))
                {
                    return;
                }

                var token = knobs.Stamp ? string.Create(CultureInfo.InvariantCulture, $"@{System.Diagnostics.Stopwatch.GetTimestamp()} ") : answer.Tokens[k - 1];
                await writer.DataAsync(_chunks.Content(token), ct);
                if (knobs.MidComments > 0 && k % knobs.MidComments == 0)
                {
                    await writer.CommentAsync(ct);
                }

                if (knobs.StallAfter == k)
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, state.Time, ct);
                }

                if (k < answer.Tokens.Count)
                {
                    await DelayAsync(Interval, ct);
                }
            }

            await FinishAsync(writer, answer.CutByMaxTokens ? "length" : "stop", ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            var noticed = abortedAt is { } at ? state.Time.GetElapsedTime(at).TotalMilliseconds : 0;
            state.StreamAborted(new SimulatorAbort(state.Time.GetUtcNow(), noticed));
        }
        catch (ConnectionResetBySimulatorException)
        {
            state.StreamEnded();
        }
    }

    /// <summary>Gate, error, malformed and oversized knobs at token k; true when the answer ends here.</summary>
    private async Task<bool> SpecialAsync(EventWriter writer, int k, CancellationToken ct)
    {
        if (knobs.Gate is { } gate && knobs.GateAt == k)
        {
            await state.Gates.HoldAsync(gate, ct);
        }

        if (knobs.Error is { } shape && knobs.ErrorAt == k)
        {
            await writer.DataAsync(_chunks.Error(shape, knobs.ErrorCode), ct);
            if (shape == 'e' && !knobs.NoDone)
            {
                await writer.DataAsync("[DONE]", ct);
            }

            state.StreamCompleted(started: true);
            return true;
        }

        if (knobs.MalformedAt == k)
        {
            await writer.DataAsync("{\"choices\":[{\"delta\":{\"content\":\"broken", ct);
        }

        if (knobs.OversizedAt == k)
        {
            await writer.DataAsync(_chunks.Content(new string('x', 1_100_000)), ct);
        }

        return false;
    }

    private string Native(string reason) => reason switch
    {
        "length" => model.NativeLength,
        _ => model.NativeStop,
    };

    private async Task FinishAsync(EventWriter writer, string reason, CancellationToken ct)
    {
        var usage = Usage();
        var native = Native(reason);
        switch (knobs.Usage ?? model.UsageShape)
        {
            case UsageShape.A:
                await writer.DataAsync(_chunks.Finish(reason, native), ct);
                await writer.DataAsync(_chunks.UsageA(usage), ct);
                break;
            case UsageShape.B:
                await writer.DataAsync(_chunks.Finish(reason, native), ct);
                await writer.DataAsync(_chunks.UsageB(usage), ct);
                break;
            case UsageShape.C:
                await writer.DataAsync(_chunks.Finish(reason, native), ct);
                await writer.DataAsync(_chunks.Finish(reason, native, usage), ct);
                break;
            default:
                await writer.DataAsync(_chunks.Finish(reason, native), ct);
                break;
        }

        if (!knobs.NoDone)
        {
            await writer.DataAsync("[DONE]", ct);
        }

        state.StreamCompleted(started: true);
    }

    private const string ToolArguments = "{\"city\":\"Paris\"}";

    private string Usage()
    {
        var prompt = request.Messages.Sum(m => (m.Content?.Length ?? 0) / 4 + 4);
        var reasoning = answer.ReasoningTokens.Count;
        var completion = (UsesTool ? 4 : answer.Tokens.Count) + reasoning;
        return ChunkFormatter.Usage(model, prompt, completion, reasoning);
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken ct) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, state.Time, ct) : Task.CompletedTask;
}
