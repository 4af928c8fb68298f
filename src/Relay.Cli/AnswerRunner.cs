using System.Text.Json;
using Relay.Cli.Markdown;
using Relay.Client;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>Runs one answer against the edge, streamed or whole, with Ctrl+C scoped to it, and records it in the log.</summary>
internal sealed class AnswerRunner(CliConsole console, EdgeConnection edge, InterruptSignal interrupt, TimeProvider time, ConversationLog? log = null)
{
    private static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(1);

    public async Task<AnswerOutcome> StreamAsync(ChatRequest request, AskSettings settings, string conversationId, CancellationToken cancellationToken)
    {
        // The client chooses the id, so a Ctrl+C before the first event can still cancel the right stream (and the log
        // knows it before the first event, for attach).
        request = request with { StreamId = StreamIds.New() };
        await using var recorder = ExchangeRecorder.Begin(log, NewExchange(request, conversationId), time);
        var streamOptions = new StreamOptions
        {
            Reconnect = !settings.NoReconnect,

            // Off a terminal, text already written can never be taken back, so the answer may only restart
            // while nothing was written.
            AllowRestartAfterContent = console.OutputAnsi || settings.Render.Json,
        };

        var tracker = new StreamIdTracker(request.StreamId);
        return await RenderAsync(
            token =>
            {
                var events = tracker.Track(edge.Client.StreamChatAsync(request, streamOptions, token));
                return recorder?.Observe(events) ?? events;
            },
            () => tracker.Current,
            recorder,
            settings.Render,
            cancellationToken,
            request.Model);
    }

    public async Task<AnswerOutcome> WholeAsync(ChatRequest request, RenderOptions render, string conversationId, CancellationToken cancellationToken)
    {
        await using var recorder = ExchangeRecorder.Begin(log, NewExchange(request, conversationId), time);
        var outcome = await WholeCoreAsync(request, render, cancellationToken);
        if (recorder is not null)
        {
            await recorder.EndAsync(outcome, leftRunning: false);
        }

        return outcome;
    }

    /// <summary>
    /// Follows a stream that exists at the edge, from its start: all of it is shown, or with <paramref name="restAfter"/>
    /// only the content after that event (what a dead process had not shown yet). A stream the edge no longer has ends with
    /// STREAM_NOT_FOUND, after the part of the answer the log recorded, if any.
    /// </summary>
    public async Task<AnswerOutcome> AttachAsync(string streamId, Exchange? row, string? restAfter, AskSettings settings, CancellationToken cancellationToken)
    {
        await using var recorder = row is not null && log is not null ? ExchangeRecorder.Resume(log, row, time) : null;
        var options = new StreamOptions { Reconnect = !settings.NoReconnect };
        var hideThrough = StreamIds.TryParseEventId(restAfter, out _, out var seq) ? seq : 0;
        return await RenderAsync(
            token =>
            {
                // Observed before --rest hides what was shown: the log gets the whole answer.
                var events = edge.Client.ResumeStreamAsync(streamId, null, options, token);
                return Attached(recorder?.Observe(events) ?? events, hideThrough, row?.Answer);
            },
            () => streamId,
            recorder,
            settings.Render,
            cancellationToken);
    }

    /// <summary>
    /// Shows one answer's events with Ctrl+C scoped to it: an interrupted answer is cancelled at the edge (DELETE), and
    /// the log records how it ended. SIGTERM or SIGHUP leave the stream at a separate edge, so its row stays 'streaming'
    /// for attach (an in-process edge ended with this process: nothing is left to attach to).
    /// </summary>
    private async Task<AnswerOutcome> RenderAsync(
        Func<CancellationToken, IAsyncEnumerable<StreamEvent>> events, Func<string?> streamId, ExchangeRecorder? recorder, RenderOptions render, CancellationToken cancellationToken, string? requestedModel = null)
    {
        using var scope = interrupt.BeginAnswer(cancellationToken);

        // Ctrl+C (not SIGTERM or SIGHUP) cancels the stream at the edge, which counts what was generated.
        var outcome = await new AnswerRenderer(console, render, time).RenderAsync(
            events(scope.Token), scope.Token, lastEventId => cancellationToken.IsCancellationRequested ? Task.FromResult<Usage?>(null) : CancelAndCountAsync(streamId(), lastEventId), requestedModel);

        if (recorder is not null)
        {
            await recorder.EndAsync(outcome, leftRunning: interrupt.TerminationExitCode is not null && edge.ExternalUrl is not null);
        }

        return outcome;
    }

    /// <summary>Hides the content already shown before (--rest); puts the recorded part before a STREAM_NOT_FOUND.</summary>
    private static async IAsyncEnumerable<StreamEvent> Attached(IAsyncEnumerable<StreamEvent> events, long hideThrough, string? recorded)
    {
        var shown = false;
        await foreach (var e in events)
        {
            if (!shown && e is ErrorEvent { Error.Code: StreamErrorCode.StreamNotFound } && !string.IsNullOrEmpty(recorded) && hideThrough == 0)
            {
                yield return new DeltaEvent(recorded);
            }

            shown |= e is DeltaEvent or ReasoningEvent or ToolCallEvent;
            if (e is DeltaEvent or ReasoningEvent or ToolCallEvent && StreamIds.TryParseEventId(e.EventId, out _, out var seq) && seq <= hideThrough)
            {
                continue;
            }

            yield return e;
        }
    }

    private Exchange NewExchange(ChatRequest request, string conversationId) => new()
    {
        ConversationId = conversationId,
        CreatedAt = time.GetUtcNow(),
        Model = request.Model,
        SystemPrompt = request.Messages.FirstOrDefault(m => m.Role == ChatRole.System)?.Content,
        Prompt = request.Messages[^1].Content ?? "",
        StreamId = request.StreamId,
        EdgeUrl = edge.ExternalUrl?.ToString(),
    };

    private async Task<AnswerOutcome> WholeCoreAsync(ChatRequest request, RenderOptions render, CancellationToken cancellationToken)
    {
        using var scope = interrupt.BeginAnswer(cancellationToken);
        var started = time.GetTimestamp();
        try
        {
            var result = await edge.Client.ChatAsync(request, scope.Token);
            if (render.Json)
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(result, RelayJsonContext.Default.ChatResult));
            }
            else if (console.RendersMarkdown(render))
            {
                var markdown = new MarkdownStream(console.Out, console.Width, console.Height);
                markdown.Write(result.Text);
                markdown.Complete();
                if (!markdown.AtLineStart)
                {
                    await console.Out.WriteLineAsync();
                }
            }
            else
            {
                await console.Out.WriteAsync(result.Text);
                if (!result.Text.EndsWith('\n'))
                {
                    await console.Out.WriteLineAsync();
                }
            }

            await console.Out.FlushAsync(CancellationToken.None);
            if (!render.Quiet)
            {
                var elapsed = time.GetElapsedTime(started);
                await console.Error.WriteLineAsync(UsageLine.Format(result.Model, result.Usage, 0, null, elapsed, false, result.FinishReason));
            }

            return new AnswerOutcome(result.Text, result.Model, result.Usage, null, false);
        }
        catch (StreamErrorException ex)
        {
            await new AnswerRenderer(console, render, time).WriteErrorAsync(ex.Error);
            return new AnswerOutcome("", null, null, ex.Error, false);
        }
        catch (OperationCanceledException) when (scope.Token.IsCancellationRequested)
        {
            return new AnswerOutcome("", null, null, null, Interrupted: true);
        }
    }

    /// <summary>
    /// Cancels the stream at the edge (DELETE) and reads what followed the last event shown, to the edge's usage (an
    /// estimate, since the upstream was cut off) and CANCELLED: null when there is none within a second.
    /// </summary>
    private async Task<Usage?> CancelAndCountAsync(string? streamId, string? lastEventId)
    {
        if (streamId is null)
        {
            return null;
        }

        // Ctrl+C must stop the generation upstream, but never hold the prompt for long. A network deadline,
        // not a policy wait: it runs on the system clock.
        using var wait = new CancellationTokenSource(CancelWait, TimeProvider.System);
        try
        {
            await edge.Client.CancelAsync(streamId, wait.Token);
            await foreach (var e in edge.Client.ResumeStreamAsync(streamId, lastEventId, new StreamOptions { Reconnect = false }, wait.Token))
            {
                if (e is UsageEvent usage)
                {
                    return usage.Usage;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or StreamErrorException)
        {
            // The edge drops an abandoned stream after its grace period anyway; the line shows the client's own count.
        }

        return null;
    }
}
