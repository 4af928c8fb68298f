using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Providers;

namespace Relay.Edge.Streams;

/// <summary>
/// The generation loop of one stream: pulls events from the provider (with a task of its own, so a client that drops
/// does not stop it), appends them to the store, and always ends the stream with exactly one terminal event, whatever
/// happens: the provider's own <c>done</c> or <c>error</c>; the reason it was cancelled (DELETE, grace expired, maximum
/// generation time, shutdown); or INTERNAL_ERROR for anything unexpected. The one case with no terminal event is a
/// store that cannot be written; readers then get the store's own error.
/// </summary>
internal sealed class StreamGenerator(ILlmProvider provider, IStreamStore store, IOptions<RelayEdgeOptions> options, TimeProvider time, ILogger<StreamGenerator> logger, EdgeTelemetry telemetry)
{
    /// <summary>Runs the generation to its end; never throws.</summary>
    public async Task RunAsync(StreamSession session, ChatRequest request)
    {
        var started = false;
        var terminal = false;
        StreamError? failure = null;
        var outcome = "error";
        string? code = null;
        var begun = time.GetTimestamp();
        long? lastContent = null;
        telemetry.ActiveStreams.Add(1);
        using var activity = EdgeTelemetry.Source.StartActivity("relay.stream");
        activity?.SetTag("relay.stream_id", session.Id);
        activity?.SetTag("gen_ai.request.model", request.Model);
        try
        {
            using var deadline = time.CreateTimer(_ => session.Cancel(StreamErrorCode.UpstreamTimeout), null, options.Value.MaxGenerationTime, Timeout.InfiniteTimeSpan);
            await foreach (var e in provider.GenerateStreamAsync(request, session.Generation.Token))
            {
                if (!started)
                {
                    if (e is ErrorEvent before)
                    {
                        // Before the first event the error is the POST's answer, with its status.
                        session.Started.TrySetResult(before.Error);
                        (terminal, code) = (true, before.Error.WireName);
                        break;
                    }

                    var start = e as StartEvent ?? new StartEvent(session.Id, request.Model!, null);
                    await store.AppendAsync(session.Id, start with { StreamId = session.Id });
                    started = true;
                    session.Started.TrySetResult(null);
                    if (e is StartEvent)
                    {
                        continue;
                    }
                }

                if (e is DeltaEvent or ReasoningEvent or ToolCallEvent)
                {
                    var now = time.GetTimestamp();
                    if (lastContent is { } previous)
                    {
                        telemetry.InterChunk.Record(time.GetElapsedTime(previous, now).TotalMilliseconds);
                    }
                    else
                    {
                        telemetry.FirstToken.Record(time.GetElapsedTime(begun, now).TotalMilliseconds);
                    }

                    lastContent = now;
                }

                await store.AppendAsync(session.Id, e);
                if (e.IsTerminal)
                {
                    session.MarkFinished(time.GetTimestamp());
                    terminal = true;
                    (outcome, code) = e is ErrorEvent failed ? ("error", failed.Error.WireName) : ("done", null);
                    break;
                }
            }
        }
        catch (StreamErrorException ex) when (ex.Error.Code is StreamErrorCode.StreamTooLarge or StreamErrorCode.StoreUnavailable or StreamErrorCode.StreamLost or StreamErrorCode.Cancelled)
        {
            session.Cancel(ex.Error.Code);
            failure = ex.Error;
        }
        catch (OperationCanceledException) when (session.Generation.IsCancellationRequested)
        {
            // Cancelled on purpose: the reason is in the session.
        }
        catch (Exception ex)
        {
            EdgeLog.GenerationFailed(logger, session.Id, ex);
            session.Cancel(StreamErrorCode.InternalError);
            failure = StreamError.Create(StreamErrorCode.InternalError);
        }
        finally
        {
            if (!terminal)
            {
                // The provider ends silently when cancelled: say why to every reader.
                var error = failure ?? Reason(session.CancelReason);
                code = error.WireName;
                await EndAsync(session, started, error);
            }

            code ??= outcome == "done" ? null : "INTERNAL_ERROR";
            telemetry.ActiveStreams.Add(-1);
            telemetry.Streams.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("code", code ?? "none"));
            activity?.SetTag("relay.outcome", code ?? outcome);
            session.Started.TrySetResult(StreamError.Create(StreamErrorCode.InternalError));
        }
    }

    /// <summary>What readers are told when the provider stopped without a terminal event.</summary>
    private static StreamError Reason(StreamErrorCode? cancelReason) => cancelReason switch
    {
        StreamErrorCode.UpstreamTimeout => StreamError.Create(StreamErrorCode.UpstreamTimeout, "The answer ran past the edge's maximum generation time."),
        StreamErrorCode.StreamInterrupted => StreamError.Create(StreamErrorCode.StreamInterrupted, "The edge is shutting down; reconnect to another instance."),
        null => StreamError.Create(StreamErrorCode.InternalError, "The upstream's answer ended without an end."),
        var reason => StreamError.Create(reason.Value),
    };

    private async Task EndAsync(StreamSession session, bool started, StreamError error)
    {
        if (!started)
        {
            session.Started.TrySetResult(error);
            return;
        }

        try
        {
            await store.AppendAsync(session.Id, new ErrorEvent(error));
            session.MarkFinished(time.GetTimestamp());
        }
        catch (Exception ex) when (ex is StreamErrorException or InvalidOperationException)
        {
            // The store cannot be written (gone, or the stream is over its size): readers get the store's own error.
        }
    }
}
