using System.Diagnostics;
using System.Net;
using System.Text;
using OpenAI;
using OpenAI.Chat;
using Relay.Contracts;
using Relay.Contracts.Sse;
using Relay.Simulator;
using Relay.Testing;
using ChatMessage = Relay.Contracts.ChatMessage;

namespace Relay.EndToEnd.Tests;

/// <summary>
/// Streams through deploy/cloudflare's Worker in the real Workers runtime (workerd under <c>wrangler dev</c>): incremental,
/// exact, resumable after a reset, cancellable, spread over two edges, with errors intact.
/// </summary>
public sealed class WorkerTests(WorkerFixture stack) : IClassFixture<WorkerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SimulatorHost Simulator => stack.Simulator;

    [Fact]
    public async Task Tokens_come_through_the_Worker_while_the_upstream_still_holds_the_last_one()
    {
        stack.Require();
        using var _ = Scenario.Timed("worker: incremental");
        Simulator.DefaultKnobs = "tokens=6;gate=worker-incremental@6";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30)); // a Worker that buffered would hold the first five until then
        using var response = await stack.Http.SendAsync(Post("Tell me something"), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        await using var frames = SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(deadline.Token), cancellationToken: deadline.Token).GetAsyncEnumerator(deadline.Token);
        var text = new StringBuilder();
        var deltas = 0;
        while (deltas < 5 && await frames.MoveNextAsync())
        {
            deltas += frames.Current.EventType == "delta" ? 1 : 0;
            text.Append(frames.Current.EventType == "delta" ? ((DeltaEvent)StreamEventSerializer.Deserialize("delta", frames.Current.Data)).Text : "");
        }

        Assert.Equal(5, deltas); // read while token 6 is held at the gate
        Simulator.Gates.Release("worker-incremental");
        while (await frames.MoveNextAsync())
        {
            text.Append(frames.Current.EventType == "delta" ? ((DeltaEvent)StreamEventSerializer.Deserialize("delta", frames.Current.Data)).Text : "");
        }

        Assert.Equal(Answer("Tell me something", 6), text.ToString());
    }

    [Fact]
    public async Task The_text_is_exact_on_both_endpoints_with_the_OpenAI_SDK_and_relay_ask()
    {
        stack.Require();
        using var _ = Scenario.Timed("worker: exact text, SDK, relay ask");
        Simulator.DefaultKnobs = "tokens=60";
        using (var response = await stack.Http.SendAsync(Post("Tell me about rivers"), Ct))
        {
            Assert.Equal(Answer("Tell me about rivers", 60), await TextAsync(response));
        }

        var sdk = new ChatClient(SimulatedModel.DefaultId, new System.ClientModel.ApiKeyCredential(WorkerFixture.Token), new OpenAIClientOptions { Endpoint = new Uri(stack.Worker.Url, "v1") });
        var text = new StringBuilder();
        await foreach (var update in sdk.CompleteChatStreamingAsync([new UserChatMessage("Tell me about lakes")], new ChatCompletionOptions(), Ct))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.Equal(Answer("Tell me about lakes", 60), text.ToString());

        await using var relay = RelayProcess.Start(["ask", "--edge", stack.Worker.Url.ToString(), "--token", WorkerFixture.Token, "Tell me about seas"]);
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(Answer("Tell me about seas", 60) + "\n", relay.Stdout);
    }

    [Fact]
    public async Task A_reset_between_the_client_and_the_Worker_is_resumed_through_it_with_Last_Event_ID()
    {
        stack.Require();
        using var _ = Scenario.Timed("worker: reset, resume");
        Simulator.DefaultKnobs = "tokens=150";
        await using var proxy = new FaultProxy(stack.Worker.Url);
        proxy.Next(FaultBehavior.ResetAfter(3000));
        await using var relay = RelayProcess.Start(["ask", "--edge", proxy.Url.ToString(), "--token", WorkerFixture.Token, "Tell me about forests"]);
        Assert.Equal(0, await relay.WaitForExitAsync(Scenario.Exit));
        Assert.Equal(Answer("Tell me about forests", 150) + "\n", relay.Stdout);
        Assert.Equal(1, proxy.Resets);
        Assert.True(proxy.Connections >= 2, "the CLI reconnected through the Worker");
    }

    [Fact]
    public async Task SIGINT_to_relay_ask_and_a_dropped_completions_stream_abort_the_upstream()
    {
        stack.Require();
        using var _ = Scenario.Timed("worker: SIGINT and a dropped client reach the upstream");
        Simulator.DefaultKnobs = "tokens=80;gate=worker-sigint@20";
        var aborts = Simulator.GetStats().AbortedByClient;
        await using (var relay = RelayProcess.Start(["ask", "--edge", stack.Worker.Url.ToString(), "--token", WorkerFixture.Token, "Tell me about deserts"]))
        {
            await Simulator.Gates.WaitReachedAsync("worker-sigint", Ct);
            await relay.WaitForStdoutAsync(s => s.Length > 0, Scenario.Exit);
            var sent = Stopwatch.GetTimestamp();
            await relay.InterruptAsync();
            await Simulator.WaitForAbortsAsync((int)aborts + 1, Ct).WaitAsync(TimeSpan.FromSeconds(1), Ct);
            TestContext.Current.SendDiagnosticMessage($"worker: SIGINT to upstream abort: {Stopwatch.GetElapsedTime(sent).TotalMilliseconds:0} ms");
            Assert.Equal(130, await relay.WaitForExitAsync(Scenario.Exit));
        }

        // A raw OpenAI-style client that just goes away mid-answer: no DELETE, only the dropped connection through the
        // Worker (whose next write fails, which cancels its request to the edge).
        Simulator.DefaultKnobs = "tokens=5000";
        using var dropping = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = stack.Worker.Url }; // closes, never drains
        dropping.DefaultRequestHeaders.Authorization = new("Bearer", WorkerFixture.Token);
        using (var response = await dropping.SendAsync(
            new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = Json("""{"messages":[{"role":"user","content":"Tell me about dunes"}],"stream":true}""") },
            HttpCompletionOption.ResponseHeadersRead,
            Ct))
        {
            var body = await response.Content.ReadAsStreamAsync(Ct);
            Assert.True(await body.ReadAsync(new byte[4096], Ct) > 0);
        }

        // Typically a few ms; this path crosses wrangler dev's Node proxy and workerd (two more processes), and on a loaded
        // 2-core CI machine it once took over a second, so the bound is 5 s: still half of the 10 s the answer would run
        // (5,000 tokens at 2 ms) had the drop not reached the upstream.
        var dropped = Stopwatch.GetTimestamp();
        await Simulator.WaitForAbortsAsync((int)aborts + 2, Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct);
        TestContext.Current.SendDiagnosticMessage($"worker: dropped completions stream to upstream abort: {Stopwatch.GetElapsedTime(dropped).TotalMilliseconds:0} ms");
        Simulator.Gates.Release("worker-sigint");
    }

    [Fact]
    public async Task With_two_edges_on_Redis_a_resume_through_the_Worker_lands_on_the_other_edge_and_is_exact()
    {
        stack.Require();
        using var _ = Scenario.Timed("worker: resume on the other edge");
        Simulator.DefaultKnobs = "tokens=40;gate=worker-resume@10";
        var events = new List<StreamEvent>();
        string first;
        using (var response = await stack.Http.SendAsync(Post("Tell me about hills", "worker-resume-1"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            first = response.Headers.GetValues("X-Relay-Instance").Single();
            await using var frames = SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(Ct), cancellationToken: Ct).GetAsyncEnumerator(Ct);
            while (events.OfType<DeltaEvent>().Count() < 9 && await frames.MoveNextAsync())
            {
                events.Add(StreamEventSerializer.Deserialize(frames.Current.EventType, frames.Current.Data, frames.Current.LastEventId));
            }
        }

        using var resume = new HttpRequestMessage(HttpMethod.Get, "v1/chat/stream/worker-resume-1");
        resume.Headers.Add("Last-Event-ID", events[^1].EventId);
        using var resumed = await stack.Http.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.NotEqual(first, resumed.Headers.GetValues("X-Relay-Instance").Single()); // the Worker spreads requests round robin
        Simulator.Gates.Release("worker-resume");
        var rest = await EventsAsync(resumed);
        Assert.Equal(Answer("Tell me about hills", 40), Text(events) + Text(rest));
        Assert.IsType<DoneEvent>(rest[^1]);
    }

    [Fact]
    public async Task Error_answers_come_through_with_their_status_body_and_headers()
    {
        stack.Require();
        using var _ = Scenario.Timed("worker: errors");
        using var anonymous = new HttpClient { BaseAddress = stack.Worker.Url };
        using (var unauthorized = await anonymous.SendAsync(Post("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
            Assert.Equal("Bearer", unauthorized.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Contains("\"code\":\"UNAUTHORIZED\"", await unauthorized.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        Simulator.DefaultKnobs = "status=402";
        using (var credits = await stack.Http.SendAsync(Post("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.PaymentRequired, credits.StatusCode);
            Assert.Contains("\"code\":\"INSUFFICIENT_CREDITS\"", await credits.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            Assert.Single(credits.Headers.GetValues("X-Request-Id"));
        }

        Simulator.DefaultKnobs = "status=429;retry_after=30";
        using (var limited = await stack.Http.SendAsync(Post("x"), Ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(30), limited.Headers.RetryAfter!.Delta);
            Assert.Contains("\"retry_after_ms\":30000", await limited.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Only_a_stream_start_is_retried_on_the_next_origin_when_one_is_down()
    {
        stack.Require();
        using var _ = Scenario.Timed("worker: a dead origin");
        Simulator.DefaultKnobs = "tokens=5";
        var dead = new Uri($"http://127.0.0.1:{ExternalServers.FreePort()}/");
        await using var worker = await WorkerFront.StartAsync([dead, stack.EdgeA.Url, dead, stack.EdgeA.Url], Ct);
        using var http = new HttpClient { BaseAddress = worker.Url };
        http.DefaultRequestHeaders.Authorization = new("Bearer", WorkerFixture.Token);
        for (var i = 0; i < 4; i++)
        {
            using var response = await http.SendAsync(Post("Tell me something"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode); // retried on the next origin, with a stream_id of the Worker's
            Assert.Equal(Answer("Tell me something", 5), await TextAsync(response));
        }

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await http.PostAsync("v1/chat/completions", Json("""{"messages":[{"role":"user","content":"x"}]}"""), Ct);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.BadGateway)
            {
                Assert.Contains("\"code\":\"UPSTREAM_UNAVAILABLE\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            }
        }

        // Never retried: the requests that met the dead origin failed, the others were answered.
        Assert.Contains(HttpStatusCode.BadGateway, statuses);
        Assert.Contains(HttpStatusCode.OK, statuses);
    }

    [Fact]
    public async Task The_Worker_forwards_the_headers_resume_needs_and_passes_the_origins_back_uncompressed()
    {
        stack.Require();
        using var _ = Scenario.Timed("worker: headers both ways");

        // An origin that shows what reached it: the request's headers and body, answered as an event stream with the
        // headers an edge sends.
        using var origin = new HttpListener();
        var port = ExternalServers.FreePort();
        origin.Prefixes.Add($"http://127.0.0.1:{port}/");
        origin.Start();
        var seen = new TaskCompletionSource<(System.Collections.Specialized.NameValueCollection Headers, string Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serving = Task.Run(async () =>
        {
            var context = await origin.GetContextAsync();
            while (context.Request.HttpMethod == "GET")
            {
                // The Worker's readiness probe.
                context.Response.Close();
                context = await origin.GetContextAsync();
            }

            using (var reader = new StreamReader(context.Request.InputStream))
            {
                seen.TrySetResult((context.Request.Headers, await reader.ReadToEndAsync(Ct)));
            }

            context.Response.ContentType = "text/event-stream";
            context.Response.AddHeader("Retry-After", "7");
            context.Response.AddHeader("X-Relay-Stream-Id", "from-origin");
            context.Response.AddHeader("Access-Control-Allow-Origin", "https://app.example");
            var bytes = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("event: delta\ndata: {\"text\":\"compressible compressible\"}\n\n", 200)));
            await context.Response.OutputStream.WriteAsync(bytes, Ct);
            context.Response.Close();
        }, Ct);

        await using var worker = await WorkerFront.StartAsync([new Uri($"http://127.0.0.1:{port}/")], Ct);
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None }) { BaseAddress = worker.Url };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/stream") { Content = Json("""{"messages":[{"role":"user","content":"x"}]}""") };
        request.Headers.Authorization = new("Bearer", "tok-through");
        request.Headers.Add("Last-Event-ID", "abc:3");
        request.Headers.Add("X-Request-Id", "req-through-worker");
        request.Headers.AcceptEncoding.ParseAdd("gzip, br");
        using var response = await http.SendAsync(request, Ct);
        var (headers, body) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await serving;
        Assert.Equal("Bearer tok-through", headers["Authorization"]);
        Assert.Equal("abc:3", headers["Last-Event-ID"]);
        Assert.Equal("req-through-worker", headers["X-Request-Id"]);
        Assert.Equal("127.0.0.1", headers["X-Forwarded-For"]);
        Assert.Matches("\"stream_id\":\"[A-Za-z0-9_-]{21}\"", body); // added, so a retry on another origin attaches

        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter!.Delta);
        Assert.Equal("from-origin", response.Headers.GetValues("X-Relay-Stream-Id").Single());
        Assert.Equal("https://app.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.StartsWith("event: delta", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static string Answer(string prompt, int tokens) => SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User(prompt)], tokens: tokens).Text;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Post(string prompt, string? streamId = null) => new(HttpMethod.Post, "v1/chat/stream")
    {
        Content = Json(System.Text.Json.JsonSerializer.Serialize(new ChatRequest { Messages = [ChatMessage.User(prompt)], StreamId = streamId }, RelayJsonContext.Default.ChatRequest)),
    };

    private static async Task<List<StreamEvent>> EventsAsync(HttpResponseMessage response)
    {
        var events = new List<StreamEvent>();
        await foreach (var frame in SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(Ct), cancellationToken: Ct))
        {
            events.Add(StreamEventSerializer.Deserialize(frame.EventType, frame.Data, frame.LastEventId));
        }

        return events;
    }

    private static async Task<string> TextAsync(HttpResponseMessage response) => Text(await EventsAsync(response));

    private static string Text(IEnumerable<StreamEvent> events) => string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text));
}
