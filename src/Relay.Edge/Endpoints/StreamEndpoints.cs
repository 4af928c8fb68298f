using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Edge.Upstream;

namespace Relay.Edge;

/// <summary>
/// <c>/v1/chat/stream</c> (start, resume, cancel) and <c>/v1/chat</c> (whole answer); the protocol is in docs/api.md.
/// </summary>
internal static class StreamEndpoints
{
    public static void Map(IEndpointRouteBuilder v1)
    {
        v1.MapPost("/chat/stream", StartAsync);
        v1.MapGet("/chat/stream/{streamId}", ResumeAsync);
        v1.MapDelete("/chat/stream/{streamId}", CancelAsync);
        v1.MapPost("/chat", WholeAsync);
    }

    private static async Task<IResult> StartAsync(HttpContext context, StreamManager streams, IOptions<RelayEdgeOptions> options, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        if (ShutdownCoordinator.IsStopping(lifetime))
        {
            return ErrorResults.For(StreamError.Create(StreamErrorCode.Overloaded, "The edge is shutting down.", TimeSpan.FromSeconds(1)));
        }

        var owner = (string)context.Items[EdgeAuth.OwnerKey]!;
        var (request, invalid, status) = await RequestValidator.ReadAsync(context.Request, options.Value.DefaultModel);
        if (invalid is not null)
        {
            return ErrorResults.For(invalid, status);
        }

        var (start, error) = await streams.StartOrAttachAsync(request!, owner, context.RequestAborted);
        if (start is not { } stream)
        {
            return ErrorResults.For(error!);
        }

        // Errors known before the first event (the upstream's 4xx/5xx, an unreachable upstream) get a status. While this
        // request waits it holds the stream; if the client leaves, the grace period starts, as after any disconnect.
        StreamError? failed;
        try
        {
            failed = await streams.WaitStartedAsync(stream, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }

        if (failed is not null)
        {
            return ErrorResults.For(failed);
        }

        return new SseResult(stream.Id, 0, streams, options.Value, time);
    }

    private static async Task<IResult> ResumeAsync(string streamId, HttpContext context, StreamManager streams, IStreamStore store, IOptions<RelayEdgeOptions> options, TimeProvider time)
    {
        var owner = (string)context.Items[EdgeAuth.OwnerKey]!;
        if (!await streams.IsVisibleAsync(streamId, owner, context.RequestAborted) || await store.GetLastSeqAsync(streamId, context.RequestAborted) is not { } last)
        {
            return ErrorResults.For(StreamErrorCode.StreamNotFound);
        }

        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (string.IsNullOrEmpty(lastEventId))
        {
            lastEventId = context.Request.Query["last_event_id"].ToString();
        }

        long after = 0;
        if (!string.IsNullOrEmpty(lastEventId))
        {
            if (!StreamIds.TryParseEventId(lastEventId, out var idStream, out after) || idStream != streamId)
            {
                return ErrorResults.For(StreamErrorCode.InvalidRequest, $"Last-Event-ID '{Truncate(lastEventId)}' is not an event of stream {streamId}.");
            }

            if (after > last)
            {
                return ErrorResults.For(StreamErrorCode.InvalidRequest, $"Last-Event-ID names seq {after}, but the stream has {last} events.");
            }

            // The client already has the terminal event: 204 tells an EventSource that was not closed to stop
            // reconnecting (WHATWG: "HTTP 204 No Content ... must fail the connection").
            if (after == last && after > 0 && await IsTerminalAsync(store, streamId, after, context.RequestAborted))
            {
                return Results.NoContent();
            }
        }

        return new SseResult(streamId, after, streams, options.Value, time);
    }

    private static async Task<IResult> CancelAsync(string streamId, HttpContext context, StreamManager streams)
    {
        var owner = (string)context.Items[EdgeAuth.OwnerKey]!;
        if (!await streams.IsVisibleAsync(streamId, owner, context.RequestAborted))
        {
            return ErrorResults.For(StreamErrorCode.StreamNotFound);
        }

        await streams.CancelAsync(streamId, context.RequestAborted);
        return Results.NoContent();
    }

    private static async Task<IResult> WholeAsync(HttpContext context, WholeAnswers answers, IOptions<RelayEdgeOptions> options)
    {
        var (request, invalid, status) = await RequestValidator.ReadAsync(context.Request, options.Value.DefaultModel);
        if (invalid is not null)
        {
            return ErrorResults.For(invalid, status);
        }

        try
        {
            // The request's own token: a client that disconnects cancels the upstream at once.
            var result = await answers.GenerateAsync(request!, (string)context.Items[EdgeAuth.OwnerKey]!, context.RequestAborted);
            return Results.Json(result, RelayJsonContext.Default.ChatResult);
        }
        catch (StreamErrorException ex)
        {
            return ErrorResults.For(ex.Error);
        }
    }

    private static async Task<bool> IsTerminalAsync(IStreamStore store, string streamId, long seq, CancellationToken cancellationToken)
    {
        await foreach (var e in store.ReadAsync(streamId, seq - 1, cancellationToken))
        {
            return e.IsTerminal;
        }

        return false;
    }

    private static string Truncate(string s) => s.Length <= 80 ? s : s[..80];

    /// <summary>Streams a session to the response from a seq.</summary>
    private sealed class SseResult(string streamId, long afterSeq, StreamManager streams, RelayEdgeOptions options, TimeProvider time) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            SseStreamWriter.PrepareResponse(httpContext, streamId);
            try
            {
                if (afterSeq > 0 || httpContext.Request.Method == HttpMethods.Get)
                {
                    // A resume may wait for the next event a while: the client (and any proxy in between) learns at
                    // once that it is connected. A POST's first event goes out with the headers.
                    await httpContext.Response.Body.FlushAsync(httpContext.RequestAborted);
                }

                await SseStreamWriter.WriteAsync(
                    httpContext,
                    streamId,
                    streams.ReadAsync(streamId, afterSeq, httpContext.RequestAborted),
                    time,
                    options.PingInterval,
                    httpContext.RequestAborted,
                    onRetry => streams.WatchRetries(streamId, onRetry));
            }
            catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client went away; the generation goes on for the grace period so it can resume.
            }
        }
    }
}
