using System.Text.Json;
using Relay.Client;
using Relay.Contracts;

namespace Relay.Cli;

/// <summary>Runs one answer against the edge, streamed or whole, with Ctrl+C scoped to it.</summary>
internal sealed class AnswerRunner(CliConsole console, EdgeConnection edge, InterruptSignal interrupt, TimeProvider time)
{
    private static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(1);

    public async Task<AnswerOutcome> StreamAsync(ChatRequest request, AskSettings settings, CancellationToken cancellationToken)
    {
        // The client chooses the id, so a Ctrl+C before the first event can still cancel the right stream.
        request = request with { StreamId = StreamIds.New() };
        var streamOptions = new StreamOptions
        {
            Reconnect = !settings.NoReconnect,

            // Off a terminal, text already written can never be taken back, so the answer may only restart
            // while nothing was written.
            AllowRestartAfterContent = console.OutputAnsi || settings.Render.Json,
        };

        using var scope = interrupt.BeginAnswer(cancellationToken);
        var tracker = new StreamIdTracker(request.StreamId);
        var renderer = new AnswerRenderer(console, settings.Render, time);
        var outcome = await renderer.RenderAsync(tracker.Track(edge.Client.StreamChatAsync(request, streamOptions, scope.Token)), scope.Token);
        if (outcome.Interrupted && !cancellationToken.IsCancellationRequested)
        {
            await CancelQuietlyAsync(tracker.Current);
        }

        return outcome;
    }

    public async Task<AnswerOutcome> WholeAsync(ChatRequest request, RenderOptions render, CancellationToken cancellationToken)
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

    private async Task CancelQuietlyAsync(string? streamId)
    {
        if (streamId is null)
        {
            return;
        }

        // Ctrl+C must stop the generation upstream, but never hold the prompt for long. A network deadline,
        // not a policy wait: it runs on the system clock.
        using var wait = new CancellationTokenSource(CancelWait, TimeProvider.System);
        try
        {
            await edge.Client.CancelAsync(streamId, wait.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or StreamErrorException)
        {
            // The edge drops an abandoned stream after its grace period anyway.
        }
    }
}
