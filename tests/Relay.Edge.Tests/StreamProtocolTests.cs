using System.Net;
using System.Text;
using Relay.Contracts;
using Relay.Simulator;

namespace Relay.Edge.Tests;

public sealed class StreamProtocolTests(EdgeFixture edge) : IClassFixture<EdgeFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_stream_is_framed_byte_exactly()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=2";
        using var response = await edge.Http.SendAsync(Sse.Post(streamId: "framing-1"), HttpCompletionOption.ResponseHeadersRead, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        var answer = SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me something")], tokens: 2);
        var usage = ChunkUsage(8, 2, 10);
        var expected =
            "event: start\ndata: {\"stream_id\":\"framing-1\",\"model\":\"openai/gpt-4o-mini\",\"provider\":\"OpenAI\",\"attempts\":1}\nid: framing-1:1\nretry: 250\n\n" +
            $"event: delta\ndata: {{\"text\":\"{answer.Tokens[0]}\"}}\nid: framing-1:2\n\n" +
            $"event: delta\ndata: {{\"text\":\"{answer.Tokens[1]}\"}}\nid: framing-1:3\n\n" +
            $"event: usage\ndata: {usage}\nid: framing-1:4\n\n" +
            "event: done\ndata: {\"finish_reason\":\"stop\"}\nid: framing-1:5\n\n";
        Assert.Equal(expected, body);
        Assert.True(response.Headers.CacheControl is { NoCache: true, NoTransform: true });
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
        Assert.Equal("framing-1", response.Headers.GetValues("X-Relay-Stream-Id").Single());
        Assert.Null(response.Content.Headers.ContentEncoding.FirstOrDefault());
    }

    [Fact]
    public async Task A_resume_with_nothing_new_yet_answers_its_headers_at_once()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=6;gate=resume-headers@4";
        using var response = await edge.Http.SendAsync(Sse.Post(streamId: "resume-headers-1"), HttpCompletionOption.ResponseHeadersRead, Ct);
        await edge.Stack.Simulator.Gates.WaitReachedAsync("resume-headers", Ct);

        // Events 1 to 4 are held (start and three deltas); a resume after the last waits for the gate, but a client (or a
        // proxy, or a Worker) must see the 200 before that.
        using var resume = Sse.Resume("resume-headers-1", "resume-headers-1:4");
        using var resumed = await edge.Http.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, Ct).WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        edge.Stack.Simulator.Gates.Release("resume-headers");
        var rest = await Sse.ReadAllAsync(resumed, Ct);
        Assert.Equal(3, rest.OfType<DeltaEvent>().Count());
        Assert.IsType<DoneEvent>(rest[^1]);
    }

    [Fact]
    public async Task Each_delta_reaches_the_reader_while_the_next_token_is_still_held()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=6;gate=edge-flush@4";
        using var response = await edge.Http.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        await using var events = Relay.Contracts.Sse.SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(Ct), cancellationToken: Ct).GetAsyncEnumerator(Ct);
        var deltas = 0;
        while (deltas < 3 && await events.MoveNextAsync())
        {
            deltas += events.Current.EventType == "delta" ? 1 : 0;
        }

        // Delta 3 is here and token 4 is still held upstream: nothing buffered it on the way.
        await edge.Stack.Simulator.Gates.WaitReachedAsync("edge-flush", Ct);
        Assert.Equal(3, deltas);
        edge.Stack.Simulator.Gates.Release("edge-flush");
        while (await events.MoveNextAsync())
        {
        }
    }

    [Fact]
    public async Task Resuming_from_every_seq_replays_each_later_event_exactly_once()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=12";
        using var first = await edge.Http.SendAsync(Sse.Post(streamId: "resume-every"), HttpCompletionOption.ResponseHeadersRead, Ct);
        var all = await Sse.ReadAllAsync(first, Ct);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(n => $"resume-every:{n}"), all.Select(e => e.EventId));
        for (var seq = 0; seq < all.Count; seq++)
        {
            using var resumed = await edge.Http.SendAsync(Sse.Resume("resume-every", seq == 0 ? null : $"resume-every:{seq}"), HttpCompletionOption.ResponseHeadersRead, Ct);
            var rest = await Sse.ReadAllAsync(resumed, Ct);
            Assert.Equal(all.Skip(seq).Select(e => e.EventId), rest.Select(e => e.EventId));
        }

        // From the terminal event there is nothing left: 204, so a browser's EventSource stops reconnecting.
        using var after = await edge.Http.SendAsync(Sse.Resume("resume-every", $"resume-every:{all.Count}"), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
        Assert.Empty(await after.Content.ReadAsByteArrayAsync(Ct));

        using var byQuery = await edge.Http.GetAsync("v1/chat/stream/resume-every?last_event_id=resume-every:3", HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(all.Count - 3, (await Sse.ReadAllAsync(byQuery, Ct)).Count);
    }

    [Fact]
    public async Task A_resume_racing_the_live_writer_gets_every_event_once_in_order()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=40;interval=1ms;gate=race@10";
        using var first = await edge.Http.SendAsync(Sse.Post(streamId: "race-live-1"), HttpCompletionOption.ResponseHeadersRead, Ct);
        await edge.Stack.Simulator.Gates.WaitReachedAsync("race", Ct);
        using var resumed = await edge.Http.SendAsync(Sse.Resume("race-live-1", "race-live-1:4"), HttpCompletionOption.ResponseHeadersRead, Ct);
        edge.Stack.Simulator.Gates.Release("race");
        var rest = await Sse.ReadAllAsync(resumed, Ct);
        var all = await Sse.ReadAllAsync(first, Ct);
        Assert.Equal(all.Skip(4).Select(e => e.EventId), rest.Select(e => e.EventId));
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me something")], tokens: 40).Text, Sse.Text(all));
    }

    [Theory]
    [InlineData("other-stream:2", HttpStatusCode.BadRequest)]
    [InlineData("bad-ids-1:99", HttpStatusCode.BadRequest)]
    [InlineData("garbage", HttpStatusCode.BadRequest)]
    public async Task A_Last_Event_ID_of_another_stream_or_beyond_the_end_is_400(string lastEventId, HttpStatusCode status)
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=2";
        using var first = await edge.Http.SendAsync(Sse.Post(streamId: "bad-ids-1"), HttpCompletionOption.ResponseHeadersRead, Ct);
        await Sse.ReadAllAsync(first, Ct);
        using var resumed = await edge.Http.SendAsync(Sse.Resume("bad-ids-1", lastEventId), Ct);
        Assert.Equal(status, resumed.StatusCode);
        Assert.Contains("INVALID_REQUEST", await resumed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_stream_is_404_STREAM_NOT_FOUND()
    {
        using var resumed = await edge.Http.SendAsync(Sse.Resume("never-was-1", null), Ct);
        Assert.Equal(HttpStatusCode.NotFound, resumed.StatusCode);
        Assert.Contains("STREAM_NOT_FOUND", await resumed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        using var delete = await edge.Http.DeleteAsync("v1/chat/stream/never-was-1", Ct);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
    }

    [Fact]
    public async Task A_retried_POST_with_the_same_id_and_request_attaches_instead_of_generating_twice()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=5";
        var before = edge.Stack.Simulator.GetStats().Requests;
        using var first = await edge.Http.SendAsync(Sse.Post(streamId: "idempotent-1"), HttpCompletionOption.ResponseHeadersRead, Ct);
        using var second = await edge.Http.SendAsync(Sse.Post(streamId: "idempotent-1"), HttpCompletionOption.ResponseHeadersRead, Ct);
        var a = await Sse.ReadAllAsync(first, Ct);
        var b = await Sse.ReadAllAsync(second, Ct);
        Assert.Equal(a.Select(e => e.EventId), b.Select(e => e.EventId));
        Assert.Equal(before + 1, edge.Stack.Simulator.GetStats().Requests);

        using var conflict = await edge.Http.SendAsync(Sse.Post("another question", streamId: "idempotent-1"), Ct);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("STREAM_CONFLICT", await conflict.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_with_an_image_streams_and_the_image_is_part_of_what_a_retried_POST_must_match()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=4";
        using var first = await edge.Http.SendAsync(Sse.PostWithImage("with-image-1", "iVBORw0KGgo="), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me something")], tokens: 4).Text, Sse.Text(await Sse.ReadAllAsync(first, Ct)));

        using var same = await edge.Http.SendAsync(Sse.PostWithImage("with-image-1", "iVBORw0KGgo="), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        using var other = await edge.Http.SendAsync(Sse.PostWithImage("with-image-1", "R0lGODlh"), Ct);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
    }

    [Fact]
    public async Task Delete_cancels_the_upstream_and_readers_get_CANCELLED()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=100;stall=3";
        var aborts = edge.Stack.Simulator.GetStats().AbortedByClient;
        using var response = await edge.Http.SendAsync(Sse.Post(streamId: "delete-me-1"), HttpCompletionOption.ResponseHeadersRead, Ct);
        var reading = Sse.ReadAllAsync(response, Ct);
        using var delete = await edge.Http.DeleteAsync("v1/chat/stream/delete-me-1", Ct);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await edge.Stack.Simulator.WaitForAbortsAsync((int)aborts + 1, Ct).WaitAsync(TimeSpan.FromSeconds(2), Ct);
        var events = await reading;
        Assert.Equal(StreamErrorCode.Cancelled, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
    }

    [Fact]
    public async Task A_client_that_disconnects_without_delete_has_its_upstream_cancelled_after_the_grace_period()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=100;stall=2";
        var aborts = edge.Stack.Simulator.GetStats().AbortedByClient;
        // A client of its own that drops the connection rather than draining it for reuse.
        using (var walker = new HttpClient(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.Zero }) { BaseAddress = edge.Stack.Edge.Url })
        using (var response = await walker.SendAsync(Sse.Post(streamId: "walk-away-1"), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            await using var stream = await response.Content.ReadAsStreamAsync(Ct);
            await stream.ReadExactlyAsync(new byte[16], Ct);
        }

        // Grace is 0.3 s in this fixture; the upstream abort must follow without any DELETE.
        await edge.Stack.Simulator.WaitForAbortsAsync((int)aborts + 1, Ct).WaitAsync(TimeSpan.FromSeconds(2), Ct);
        using var gone = await edge.Http.SendAsync(Sse.Resume("walk-away-1", null), Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("status=402", HttpStatusCode.PaymentRequired, "INSUFFICIENT_CREDITS")]
    [InlineData("status=401", HttpStatusCode.BadGateway, "UPSTREAM_AUTH_FAILED")]
    [InlineData("status=429;retry_after=30", HttpStatusCode.TooManyRequests, "RATE_LIMITED")]
    [InlineData("status=503;retry_after=30", HttpStatusCode.ServiceUnavailable, "UPSTREAM_UNAVAILABLE")]
    public async Task Upstream_errors_that_are_not_retried_are_answered_with_their_status(string knobs, HttpStatusCode status, string code)
    {
        edge.Stack.Simulator.DefaultKnobs = knobs;
        using var response = await edge.Http.SendAsync(Sse.Post(), Ct);
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith($"{{\"error\":{{\"code\":\"{code}\"", body, StringComparison.Ordinal);
        if (code == "RATE_LIMITED")
        {
            Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter!.Delta);
        }
    }

    [Fact]
    public async Task An_unknown_model_is_passed_through_and_becomes_MODEL_NOT_FOUND()
    {
        edge.Stack.Simulator.DefaultKnobs = null;
        using var response = await edge.Http.SendAsync(Sse.Post(model: "nobody/nothing"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("MODEL_NOT_FOUND", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mid_stream_upstream_error_ends_the_stream_with_an_error_event()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=10;error=midstream-a@5";
        using var response = await edge.Http.SendAsync(Sse.Post(), HttpCompletionOption.ResponseHeadersRead, Ct);
        var events = await Sse.ReadAllAsync(response, Ct);
        Assert.Equal(4, events.OfType<DeltaEvent>().Count());
        Assert.Equal(StreamErrorCode.UpstreamUnavailable, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
    }

    [Fact]
    public async Task The_whole_answer_endpoint_returns_the_same_text()
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=7";
        using var response = await edge.Http.PostAsync("v1/chat", new StringContent("{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me something\"}]}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = System.Text.Json.JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(Ct), RelayJsonContext.Default.ChatResult)!;
        Assert.Equal(SimulatedAnswer.For(SimulatedModel.DefaultId, [ChatMessage.User("Tell me something")], tokens: 7).Text, result.Text);
        Assert.Equal(7, result.Usage!.CompletionTokens);

        edge.Stack.Simulator.DefaultKnobs = "status=402";
        using var failed = await edge.Http.PostAsync("v1/chat", new StringContent("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.PaymentRequired, failed.StatusCode);
    }

    [Theory]
    [InlineData("{\"messages\":[]}", "messages")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}", "max_tokens")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":7}", "temperature")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream_id\":\"no!\"}", "stream_id")]
    [InlineData("{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}", "role")]
    [InlineData("{\"messages\":[{\"role\":\"user\"}]}", "content")]
    [InlineData("{\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "tool_call_id")]
    [InlineData("{\"messages\":", "Invalid JSON")]
    [InlineData("null", "JSON object")]
    public async Task Invalid_requests_are_400_naming_the_field(string body, string field)
    {
        using var response = await edge.Http.PostAsync("v1/chat/stream", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("INVALID_REQUEST", text, StringComparison.Ordinal);
        Assert.Contains(field, text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1/chat/stream", "text/plain")]
    [InlineData("v1/chat/stream", "application/jsonx")]
    [InlineData("v1/chat/stream", "application/json-patch+json")]
    [InlineData("v1/chat/stream", "application/json; charset=latin1")]
    [InlineData("v1/chat", "application/jsonx")]
    [InlineData("v1/chat/completions", "application/jsonx")]
    [InlineData("v1/chat/completions", "application/json; charset=utf-16")]
    public async Task A_media_type_other_than_JSON_in_UTF_8_is_415(string path, string type)
    {
        using var content = Hi(type);
        using var response = await edge.Http.PostAsync(path, content, Ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains(path.EndsWith("completions", StringComparison.Ordinal) ? "invalid_request" : "INVALID_REQUEST", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("APPLICATION/JSON")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json;charset=\"UTF-8\"")]
    public async Task JSON_with_or_without_a_UTF_8_charset_is_taken(string type)
    {
        edge.Stack.Simulator.DefaultKnobs = "tokens=1";
        using var content = Hi(type);
        using var response = await edge.Http.PostAsync("v1/chat", content, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static StringContent Hi(string mediaType)
    {
        var content = new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""");
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    [Fact]
    public async Task Models_are_listed_in_OpenAIs_shape_from_the_upstream()
    {
        var json = await edge.Http.GetStringAsync("v1/models", Ct);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal("list", doc.RootElement.GetProperty("object").GetString());
        var ids = doc.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(SimulatedModel.All.Select(m => m.Id), ids);
        Assert.Equal("model", doc.RootElement.GetProperty("data")[0].GetProperty("object").GetString());
        Assert.Equal("openai", doc.RootElement.GetProperty("data")[0].GetProperty("owned_by").GetString());
        Assert.Equal(json, await edge.Http.GetStringAsync("v1/models", Ct));
    }

    private static string ChunkUsage(int prompt, int completion, int total) =>
        $"{{\"prompt_tokens\":{prompt},\"completion_tokens\":{completion},\"total_tokens\":{prompt + completion},\"reasoning_tokens\":0,\"cached_tokens\":0,\"cost_usd\":{(prompt * 0.00000015m + completion * 0.0000006m).ToString(System.Globalization.CultureInfo.InvariantCulture)}}}";
}
