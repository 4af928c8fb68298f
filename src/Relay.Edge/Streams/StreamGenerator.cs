using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Edge.Upstream;
using Relay.Providers;

namespace Relay.Edge.Streams;

/// <summary>
/// The generation loop of one stream: pulls events from the provider (with a task of its own, so a client that drops
/// does not stop it), appends them to the store, and always ends the stream with exactly one terminal event, whatever
/// happens: the provider's own <c>done</c> or <c>error</c>; the reason it was cancelled (DELETE, grace expired, maximum
/// generation time, shutdown); or INTERNAL_ERROR for anything unexpected. The one case with no terminal event is a
/// store that cannot be written; readers then get the store's own error.
/// <para>
/// Until the first content the edge may try the upstream again (<see cref="UpstreamAttempts"/>): the upstream's
/// <c>start</c> opens the response (200) but the event is held back until the first content, so what readers get is one
/// <c>start</c> naming the model that answered and how many attempts it took. An error before any upstream answer is
/// the POST's status; after it, an <c>error</c> event. Every stream with content gets a <c>usage</c> event before its terminal event, estimated
/// (<see cref="UsageCounter"/>) when the upstream did not report one.
/// </para>
/// </summary>
internal sealed class StreamGenerator(ILlmProvider provider, IStreamStore store, IOptions<RelayEdgeOptions> options, TimeProvider time, ILogger<StreamGenerator> logger, EdgeTelemetry telemetry)
{
    /// <summary>Runs the generation to its end; never throws.</summary>
    public async Task RunAsync(StreamSession session, ChatRequest request)
    {
        var run = new Run(session, request, new UpstreamAttempts(request, options.Value, time));
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
            while (!terminal)
            {
                StartEvent? upstreamStart = null;
                StreamError? retryFor = null;
                var wait = TimeSpan.Zero;
                var model = run.Attempts.Request.Model!;
                await foreach (var e in provider.GenerateStreamAsync(run.Attempts.Request, session.Generation.Token))
                {
                    if (run.Start is null)
                    {
                        if (e is StartEvent s)
                        {
                            // The upstream answers: POSTs get their 200 and headers now; the start event itself waits
                            // for the first content, when it is sure which model answered.
                            upstreamStart = s;
                            run.Open();
                            continue;
                        }

                        if (e is ErrorEvent before)
                        {
                            if (run.Attempts.TryAgain(before.Error, out wait))
                            {
                                retryFor = before.Error;
                                break;
                            }

                            if (!run.Opened)
                            {
                                // Nothing was sent yet: the error is the POST's answer, with its status.
                                session.Started.TrySetResult(before.Error);
                                (terminal, code) = (true, before.Error.WireName);
                                break;
                            }
                        }
                        else
                        {
                            var start = upstreamStart ?? new StartEvent(session.Id, run.Attempts.Request.Model!, null);
                            run.Start = start with { StreamId = session.Id, Attempts = run.Attempts.Count };
                            await store.AppendAsync(session.Id, run.Start);
                            activity?.SetTag("gen_ai.response.model", run.Start.Model);
                            run.Open();
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
                        run.Counter.Add(e);
                    }
                    else if (e is UsageEvent usage)
                    {
                        Counted(run, usage.Usage);
                    }

                    if (e.IsTerminal)
                    {
                        await AppendUsageIfMissingAsync(run);
                        await store.AppendAsync(session.Id, e);
                        session.MarkFinished(time.GetTimestamp());
                        terminal = true;
                        (outcome, code) = e is ErrorEvent failed ? ("error", failed.Error.WireName) : ("done", null);
                        break;
                    }

                    await store.AppendAsync(session.Id, e);
                }

                if (retryFor is null)
                {
                    break;
                }

                await WaitToRetryAsync(run, model, retryFor, wait);
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
                await EndAsync(run, error);
            }

            code ??= outcome == "done" ? null : "INTERNAL_ERROR";
            telemetry.ActiveStreams.Add(-1);
            telemetry.Streams.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("code", code ?? "none"));
            activity?.SetTag("relay.outcome", code ?? outcome);
            activity?.SetTag("relay.attempts", run.Attempts.Count);
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

    /// <summary>
    /// Waits before the next attempt. The stream opens for its POSTs now (200, then <c>: retrying</c> comments), so a
    /// client is not left without a byte for the whole wait; an error after this is an <c>error</c> event.
    /// </summary>
    private async Task WaitToRetryAsync(Run run, string failedModel, StreamError failed, TimeSpan wait)
    {
        telemetry.UpstreamRetries.Add(1, new KeyValuePair<string, object?>("code", failed.WireName));
        EdgeLog.UpstreamRetry(logger, run.Attempts.Count - 1, run.Session.Id, failedModel, failed.WireName, failed.Message, run.Attempts.Count, run.Attempts.Request.Model!, wait.TotalMilliseconds);
        run.Open();
        run.Session.SetRetrying(true);
        try
        {
            await Task.Delay(wait, time, run.Session.Generation.Token);
        }
        finally
        {
            run.Session.SetRetrying(false);
        }
    }

    private async Task EndAsync(Run run, StreamError error)
    {
        if (!run.Opened)
        {
            run.Session.Started.TrySetResult(error);
            return;
        }

        try
        {
            try
            {
                await AppendUsageIfMissingAsync(run);
            }
            catch (StreamErrorException)
            {
                // The usage could not be stored: the terminal event matters more, and may still go in.
            }

            await store.AppendAsync(run.Session.Id, new ErrorEvent(error));
            run.Session.MarkFinished(time.GetTimestamp());
        }
        catch (Exception ex) when (ex is StreamErrorException or InvalidOperationException)
        {
            // The store cannot be written (gone, or the stream is over its size): readers get the store's own error.
        }
    }

    /// <summary>Before a terminal event: a stream with content that got no usage from the upstream gets the edge's count.</summary>
    private async Task AppendUsageIfMissingAsync(Run run)
    {
        if (run.UsageSeen || !run.Counter.HasContent)
        {
            return;
        }

        var estimate = run.Counter.Estimate(run.Request);
        Counted(run, estimate);
        await store.AppendAsync(run.Session.Id, new UsageEvent(estimate));
    }

    private void Counted(Run run, Usage usage)
    {
        run.UsageSeen = true;
        telemetry.CountUsage(run.Start?.Model ?? run.Attempts.Request.Model!, usage, run.Session.Owner);
    }

    /// <summary>One generation's state, shared by the loop and its endings.</summary>
    private sealed class Run(StreamSession session, ChatRequest request, UpstreamAttempts attempts)
    {
        public StreamSession Session { get; } = session;

        public ChatRequest Request { get; } = request;

        public UpstreamAttempts Attempts { get; } = attempts;

        public UsageCounter Counter { get; } = new();

        /// <summary>The <c>start</c> event appended, once the first event after it came.</summary>
        public StartEvent? Start { get; set; }

        /// <summary>Whether POSTs were let through to read the stream (200): later errors are events, not statuses.</summary>
        public bool Opened { get; private set; }

        public bool UsageSeen { get; set; }

        public void Open()
        {
            Opened = true;
            Session.Started.TrySetResult(null);
        }
    }
}
