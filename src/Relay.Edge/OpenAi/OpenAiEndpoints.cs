using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Relay.Contracts;
using Relay.Edge.Streams;
using Relay.Edge.Upstream;

namespace Relay.Edge.OpenAi;

/// <summary>
/// <c>POST /v1/chat/completions</c>: the OpenAI-compatible way in, on the same stream machinery as
/// <c>/v1/chat/stream</c>. OpenAI clients do not resume, so a disconnect cancels the upstream at once.
/// </summary>
internal static class OpenAiEndpoints
{
    private static readonly byte[] DoneSentinel = "[DONE]"u8.ToArray();

    public static void Map(IEndpointRouteBuilder v1) => v1.MapPost("/chat/completions", CompleteAsync);

    private static async Task<IResult> CompleteAsync(HttpContext context, StreamManager streams, WholeAnswers answers, IOptions<RelayEdgeOptions> options, TimeProvider time)
    {
        var (request, stream, includeUsage, invalid, status) = await OpenAiRequestReader.ReadAsync(context.Request, options.Value.DefaultModel);
        if (invalid is not null)
        {
            return OpenAiErrors.Result(invalid, status);
        }

        if (!stream)
        {
            try
            {
                var result = await answers.GenerateAsync(request!, (string)context.Items[EdgeAuth.OwnerKey]!, context.RequestAborted);
                return Results.Bytes(Completion(result, time.GetUtcNow().ToUnixTimeSeconds()), "application/json");
            }
            catch (StreamErrorException ex)
            {
                return OpenAiErrors.Result(ex.Error);
            }
        }

        var owner = (string)context.Items[EdgeAuth.OwnerKey]!;
        var (start, error) = await streams.StartOrAttachAsync(request!, owner, context.RequestAborted);
        if (start is not { } started)
        {
            return OpenAiErrors.Result(error!);
        }

        // An OpenAI client cannot resume: one that leaves before the first event cancels the upstream at once.
        StreamError? failed;
        try
        {
            failed = await streams.WaitStartedAsync(started, context.RequestAborted);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await streams.CancelAsync(started.Id, CancellationToken.None);
            return Results.Empty;
        }

        if (failed is not null)
        {
            return OpenAiErrors.Result(failed);
        }

        return new ChunkStreamResult(started.Id, streams, new OpenAiChunkWriter(started.Id, time.GetUtcNow().ToUnixTimeSeconds(), includeUsage), time, options.Value.PingInterval);
    }

    private static byte[] Completion(ChatResult result, long created)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, StreamEventSerializer.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", "chatcmpl-" + StreamIds.New());
            w.WriteString("object", "chat.completion");
            w.WriteNumber("created", created);
            w.WriteString("model", result.Model);
            w.WriteStartArray("choices");
            w.WriteStartObject();
            w.WriteNumber("index", 0);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            w.WriteString("content", result.ToolCalls.Count > 0 && result.Text.Length == 0 ? null : result.Text);
            if (result.Reasoning is { } reasoning)
            {
                w.WriteString("reasoning", reasoning);
            }

            if (result.ToolCalls.Count > 0)
            {
                w.WriteStartArray("tool_calls");
                foreach (var call in result.ToolCalls)
                {
                    w.WriteStartObject();
                    w.WriteString("id", call.Id);
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", call.Name);
                    w.WriteString("arguments", call.Arguments);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            w.WriteEndObject();
            w.WriteString("finish_reason", result.FinishReason);
            w.WriteEndObject();
            w.WriteEndArray();
            if (result.Usage is { } usage)
            {
                OpenAiChunkWriter.WriteUsage(w, usage);
            }

            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// Writes the chunks with <see cref="SseFormatter"/>; ends with <c>[DONE]</c> unless the stream failed. Comments
    /// (<c>: ping</c>, <c>: retrying</c>) keep a quiet connection open, as OpenRouter's own do; OpenAI clients skip them.
    /// </summary>
    private sealed class ChunkStreamResult(string streamId, StreamManager streams, OpenAiChunkWriter chunks, TimeProvider time, TimeSpan pingInterval) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            SseStreamWriter.PrepareResponse(httpContext, streamId);
            try
            {
                await SseFormatter.WriteAsync(
                    Items(httpContext.Response.Body, httpContext.RequestAborted), httpContext.Response.Body, static (item, buffer) => item.Data.WriteTo(buffer), httpContext.RequestAborted);
            }
            catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
            {
                // OpenAI clients do not resume: a client that left takes its generation with it.
                await streams.CancelAsync(streamId, CancellationToken.None);
            }
        }

        private async IAsyncEnumerable<SseItem<OpenAiChunk>> Items(Stream body, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var failed = false;
            var batch = new List<OpenAiChunk>(2);
            using var keepAlive = new SseKeepAlive(body, time, pingInterval, cancellationToken);
            using var retries = streams.WatchRetries(streamId, () => keepAlive.Comment(SseKeepAlive.Retrying));
            await using var events = streams.ReadAsync(streamId, 0, cancellationToken).GetAsyncEnumerator(cancellationToken);
            while (await keepAlive.MoveNextAsync(events))
            {
                var e = events.Current;
                failed |= e.Name == StreamEventNames.Error;
                chunks.Chunks(e, batch);
                foreach (var chunk in batch)
                {
                    yield return new SseItem<OpenAiChunk>(chunk);
                }

                batch.Clear();
            }

            if (!failed)
            {
                yield return new SseItem<OpenAiChunk>(new(DoneSentinel));
            }
        }
    }
}
