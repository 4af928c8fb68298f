using System.Text;
using Relay.Cli.Markdown;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>
/// Turns a stream of events into what a person sees: the answer on stdout, written and flushed as each delta
/// arrives; reasoning, reconnection status, usage and errors on stderr. On a terminal a restarted answer is
/// erased and streams again in place; elsewhere nothing is ever written twice (the client is told not to
/// restart once text was written).
/// Console writes are synchronous: the console stream has no asynchronous I/O, so WriteAsync would queue the same
/// blocking write to the thread pool, with a task and a thread hop per token.
/// </summary>
internal sealed class AnswerRenderer(CliConsole console, RenderOptions options, TimeProvider time)
{
    private readonly StringBuilder _text = new();
    private readonly MarkdownStream? _markdown = console.RendersMarkdown(options) ? new MarkdownStream(console.Out, console.Width, console.Height) : null;
    private bool _statusShown;
    private bool _reasoningOpen;

    /// <summary>Renders one answer; cancellation of <paramref name="cancellationToken"/> counts as interrupted.</summary>
    /// <param name="events">The answer's events.</param>
    /// <param name="cancellationToken">Ctrl+C (or a signal) for this answer.</param>
    /// <param name="interrupted">
    /// On an interrupted answer, given the last event id shown: ends the stream at the edge and returns the edge's usage,
    /// which the usage line then shows instead of the client's own count.
    /// </param>
    /// <param name="requestedModel">The model asked for, named in the usage line until the start event names the one answering.</param>
    public async Task<AnswerOutcome> RenderAsync(IAsyncEnumerable<StreamEvent> events, CancellationToken cancellationToken, Func<string?, Task<Usage?>>? interrupted = null, string? requestedModel = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var started = time.GetTimestamp();
        long? firstDelta = null;
        var model = requestedModel;
        Usage? usage = null;
        StreamError? error = null;
        var deltas = 0;
        var wasInterrupted = false;
        string? finish = null;
        string? lastEventId = null;
        try
        {
            await foreach (var e in events.WithCancellation(cancellationToken))
            {
                lastEventId = e.EventId ?? lastEventId;
                if (options.Json)
                {
                    console.Out.WriteLine(JsonEventLine.Format(e));
                    console.Out.Flush();
                }

                switch (e)
                {
                    case StartEvent s:
                        model = s.Model;
                        break;
                    case DeltaEvent d:
                        firstDelta ??= time.GetTimestamp();
                        deltas++;
                        WriteText(d.Text);
                        break;
                    case ReasoningEvent r:
                        WriteReasoning(r.Text);
                        break;
                    case UsageEvent u:
                        usage = u.Usage;
                        break;
                    case DoneEvent done:
                        finish = done.FinishReason;
                        break;
                    case ErrorEvent x:
                        error = x.Error;
                        break;
                    case ReconnectingEvent c:
                        // "lost" only for a connection that was there: one that could not start says why (e.g. refused).
                        ShowStatus($"{(c.Cause is { } cause ? cause.Message.TrimEnd('.') : "connection lost")}, reconnecting in {c.DelayMs / 1000.0:0.0} s, attempt {c.Attempt} of {c.MaxAttempts}");
                        break;
                    case RestartedEvent:
                        EraseAnswer();
                        firstDelta = null;
                        deltas = 0;
                        usage = null;
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            wasInterrupted = true;
            if (interrupted is not null && await interrupted(lastEventId) is { } counted)
            {
                usage = counted;
            }
        }

        ClearStatus();
        EndReasoning();
        if (wasInterrupted || error is not null)
        {
            _markdown?.Abandon();
        }
        else
        {
            _markdown?.Complete();
        }

        if (!options.Json && _text.Length > 0 && !(_markdown?.AtLineStart ?? _text[^1] == '\n'))
        {
            console.Out.WriteLine();
        }

        console.Out.Flush();
        var end = time.GetTimestamp();
        if (!options.Quiet && (error is null || deltas > 0))
        {
            var ttft = firstDelta is { } f ? time.GetElapsedTime(started, f) : (TimeSpan?)null;
            var generation = firstDelta is { } g ? time.GetElapsedTime(g, end) : (TimeSpan?)null;
            WriteStatusLine(UsageLine.Format(model, usage, deltas, ttft, generation, wasInterrupted, finish), Ansi.Dim);
        }

        if (error is not null)
        {
            await WriteErrorAsync(error);
        }

        return new AnswerOutcome(_text.ToString(), model, usage, error, wasInterrupted);
    }

    /// <summary>Prints <c>error CODE: message</c> and the hint, if any, on stderr.</summary>
    public async Task WriteErrorAsync(StreamError error)
    {
        var line = $"error {error.WireName}: {error.Message}";
        await console.Error.WriteLineAsync(console.ErrorColor ? Ansi.Red + line + Ansi.Reset : line);
        if (ErrorHints.ForCli(error) is { } hint)
        {
            await console.Error.WriteLineAsync(console.ErrorColor ? Ansi.Dim + "hint: " + hint + Ansi.Reset : "hint: " + hint);
        }
    }

    private void WriteText(string text)
    {
        ClearStatus();
        EndReasoning();
        _text.Append(text);
        if (_markdown is not null)
        {
            _markdown.Write(text);
            console.Out.Flush();
        }
        else if (!options.Json)
        {
            console.Out.Write(text);
            console.Out.Flush();
        }
    }

    private void WriteReasoning(string text)
    {
        if (options.Json || !(options.ShowReasoning || console.ErrorIsTerminal))
        {
            return;
        }

        ClearStatus();
        if (_text.Length > 0)
        {
            // Reasoning between answer text shares the terminal: the rows a redraw would count are no longer the answer's.
            _markdown?.Abandon();
        }

        _reasoningOpen = true;
        console.Error.Write(console.ErrorColor ? Ansi.Dim + text + Ansi.Reset : text);
    }

    private void EndReasoning()
    {
        if (_reasoningOpen)
        {
            _reasoningOpen = false;
            console.Error.WriteLine();
        }
    }

    private void ShowStatus(string status)
    {
        if (options.Quiet || options.Json)
        {
            return;
        }

        if (!console.ErrorIsTerminal)
        {
            console.Error.WriteLine(status);
            return;
        }

        // On a terminal the status sits after the partial answer and is erased before the answer goes on.
        ClearStatus();
        var styled = console.ErrorColor ? Ansi.Yellow + " [" + status + "]" + Ansi.Reset : " [" + status + "]";
        console.Error.Write(Ansi.SaveCursor + styled);
        _statusShown = true;
    }

    private void ClearStatus()
    {
        if (_statusShown)
        {
            _statusShown = false;
            console.Error.Write(Ansi.RestoreCursor + Ansi.ClearToEndOfLine);
        }
    }

    private void EraseAnswer()
    {
        ClearStatus();
        if (_text.Length > 0 && console.OutputAnsi && !options.Json)
        {
            console.Out.Write(Ansi.RowsUp(_markdown?.RowsAboveCursor ?? TerminalRows.Of(_text.ToString(), console.Width) - 1) + Ansi.ClearToEndOfScreen);
            console.Out.Flush();
        }

        // On a terminal the erased answer says enough; in a log, say why the text starts over.
        if (!options.Quiet && !options.Json && !console.ErrorIsTerminal)
        {
            console.Error.WriteLine("answer restarted");
        }

        _text.Clear();
        _markdown?.Reset();
    }

    private void WriteStatusLine(string line, string style) =>
        console.Error.WriteLine(console.ErrorColor ? style + line + Ansi.Reset : line);
}
