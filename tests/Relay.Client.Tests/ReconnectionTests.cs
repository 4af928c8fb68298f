using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Relay.Contracts;
using Relay.Testing;
using static Relay.Client.Tests.EdgeScript;

namespace Relay.Client.Tests;

public sealed class ReconnectionTests
{
    private const string Id = "stream-abc";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ChatRequest Request => new() { Messages = [ChatMessage.User("hi")], StreamId = Id };

    private static EdgeClient Client(EdgeScript script, TimeProvider time, double random = 0.5) =>
        new(new HttpClient(script) { BaseAddress = new Uri("http://edge.test/") }, new EdgeClientOptions(), time, () => random);

    private static async Task<List<StreamEvent>> Collect(IAsyncEnumerable<StreamEvent> events)
    {
        var list = new List<StreamEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    public async Task A_lost_connection_waits_then_resumes_with_the_last_event_id_and_loses_nothing()
    {
        var time = new FakeTimeProvider();
        var script = new EdgeScript()
            .ThenSse(Start(Id), Delta(Id, 2, "Hel"))
            .ThenSse(Delta(Id, 3, "lo"), Done(Id, 4));
        await using var events = Client(script, time).StreamChatAsync(Request, Ct).GetAsyncEnumerator(Ct);
        var seen = new List<StreamEvent>();
        while (await events.MoveNextAsync())
        {
            seen.Add(events.Current);
            if (events.Current is ReconnectingEvent wait)
            {
                // The client really waits on its clock: nothing happens until the delay has passed.
                Assert.Equal(1, wait.Attempt);
                Assert.Equal(8, wait.MaxAttempts);
                var next = events.MoveNextAsync();
                time.Advance(TimeSpan.FromMilliseconds(wait.DelayMs - 1));
                Assert.False(next.IsCompleted);
                time.Advance(TimeSpan.FromMilliseconds(1));
                Assert.True(await next);
                seen.Add(events.Current);
            }
        }

        Assert.Equal("Hello", string.Concat(seen.OfType<DeltaEvent>().Select(d => d.Text)));
        Assert.Equal((HttpMethod.Get, $"/v1/chat/stream/{Id}", $"{Id}:2"), (script.Requests[1].Method, script.Requests[1].Path, script.Requests[1].LastEventId));
        Assert.IsType<DoneEvent>(seen[^1]);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.999)]
    public async Task Each_wait_is_the_backoff_floored_by_the_servers_retry(double random)
    {
        var time = new ImmediateTimeProvider();
        var script = new EdgeScript().ThenSse(Start(Id), Delta(Id, 2, "a"));
        for (var i = 0; i < 8; i++)
        {
            script.ThenThrow();
        }

        var events = await Collect(Client(script, time, random).StreamChatAsync(Request, Ct));
        var waits = events.OfType<ReconnectingEvent>().ToList();
        Assert.Equal(Enumerable.Range(1, 8), waits.Select(w => w.Attempt));
        for (var n = 1; n <= 8; n++)
        {
            var step = Math.Min(10_000, 250 * Math.Pow(2, n - 1));
            var expected = Math.Max(250, step * (0.5 + (0.5 * random)));
            Assert.Equal(expected, waits[n - 1].DelayMs, 1.0);
        }

        Assert.Equal(StreamErrorCode.NetworkError, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        Assert.Equal(9, script.Requests.Count);
    }

    [Fact]
    public void The_jitter_spreads_each_step_over_half_to_all_of_it()
    {
        var random = new Random(42);
        var policy = new BackoffPolicy(new ReconnectionOptions(), random.NextDouble);
        var samples = Enumerable.Range(0, 2000).Select(_ => policy.Delay(4, null, null).TotalMilliseconds).ToList();
        Assert.All(samples, s => Assert.InRange(s, 1000, 2000));
        Assert.True(samples.Min() < 1100 && samples.Max() > 1900, "the jitter covers the whole range");
        Assert.Equal(TimeSpan.FromSeconds(3), policy.Delay(1, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(3)));
        Assert.InRange(policy.Delay(20, null, null).TotalMilliseconds, 5000, 10_000);
    }

    [Fact]
    public async Task The_attempt_count_starts_again_when_an_event_arrives()
    {
        var time = new ImmediateTimeProvider();
        var script = new EdgeScript()
            .ThenSse(Start(Id), Delta(Id, 2, "a"))
            .ThenThrow()
            .ThenSse(Delta(Id, 3, "b"))
            .ThenSse(Delta(Id, 4, "c"), Done(Id, 5));
        var events = await Collect(Client(script, time).StreamChatAsync(Request, Ct));
        Assert.Equal([1, 2, 1], events.OfType<ReconnectingEvent>().Select(w => w.Attempt));
        Assert.Equal("abc", string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text)));
        Assert.Equal([null, $"{Id}:2", $"{Id}:2", $"{Id}:3"], script.Requests.Select(r => r.LastEventId));
    }

    [Fact]
    public async Task A_404_on_resume_restarts_with_a_new_post_and_a_new_stream_id_after_a_restarted_signal()
    {
        var time = new ImmediateTimeProvider();
        var script = new EdgeScript()
            .ThenSse(Start(Id), Delta(Id, 2, "old"))
            .ThenStatus(HttpStatusCode.NotFound, "STREAM_NOT_FOUND", false)
            .Then(r =>
            {
                var id = JsonDocument.Parse(r.Content!.ReadAsStringAsync(Ct).Result).RootElement.GetProperty("stream_id").GetString()!;
                return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(Start(id) + Delta(id, 2, "new") + Done(id, 3)) };
            });
        var events = await Collect(Client(script, time).StreamChatAsync(Request, Ct));
        var restarted = events.FindIndex(e => e is RestartedEvent);
        Assert.True(restarted > 0);
        Assert.Equal("new", string.Concat(events.Skip(restarted).OfType<DeltaEvent>().Select(d => d.Text)));
        var newId = JsonDocument.Parse(script.Requests[2].Body).RootElement.GetProperty("stream_id").GetString();
        Assert.NotEqual(Id, newId);
        Assert.Equal(HttpMethod.Post, script.Requests[2].Method);
    }

    [Fact]
    public async Task A_retryable_error_event_restarts_and_a_non_retryable_one_ends_the_stream()
    {
        var time = new ImmediateTimeProvider();
        var interrupted = Frame(Id, 3, "error", "{\"code\":\"STREAM_INTERRUPTED\",\"message\":\"cut\",\"retryable\":true,\"retry_after_ms\":null}");
        var script = new EdgeScript()
            .ThenSse(Start(Id), Delta(Id, 2, "a"), interrupted)
            .ThenSse(Start("second-1"), Delta("second-1", 2, "b"), Frame("second-1", 3, "error", "{\"code\":\"CONTENT_FILTERED\",\"message\":\"no\",\"retryable\":false,\"retry_after_ms\":null}"));
        var events = await Collect(Client(script, time).StreamChatAsync(Request, Ct));
        Assert.Single(events.OfType<RestartedEvent>());
        Assert.Equal(StreamErrorCode.ContentFiltered, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        Assert.Equal(2, script.Requests.Count);
    }

    [Theory]
    [InlineData("UPSTREAM_UNAVAILABLE", 1)] // the edge retried it before the first token already
    [InlineData("RATE_LIMITED", 1)]
    [InlineData("STREAM_LOST", 2)] // the edge instance failed: another attempt may reach a healthy one
    public async Task An_upstream_error_before_any_content_is_final_since_the_edge_retried_it(string code, int requests)
    {
        var time = new ImmediateTimeProvider();
        var failed = Frame(Id, 1, "error", $"{{\"code\":\"{code}\",\"message\":\"gave up\",\"retryable\":true,\"retry_after_ms\":null}}");
        var script = new EdgeScript().ThenSse(failed).ThenSse(Start("second-1"), Delta("second-1", 2, "b"), Frame("second-1", 3, "done", "{\"finish_reason\":\"stop\"}"));
        var events = await Collect(Client(script, time).StreamChatAsync(Request, Ct));
        Assert.Equal(requests, script.Requests.Count);
        Assert.Equal(requests == 1, events[^1] is ErrorEvent);
    }

    [Fact]
    public async Task Without_consent_an_answer_that_showed_content_is_never_restarted()
    {
        var time = new ImmediateTimeProvider();
        var interrupted = Frame(Id, 3, "error", "{\"code\":\"STREAM_INTERRUPTED\",\"message\":\"cut\",\"retryable\":true,\"retry_after_ms\":null}");
        var script = new EdgeScript().ThenSse(Start(Id), Delta(Id, 2, "a"), interrupted);
        var events = await Collect(Client(script, time).StreamChatAsync(Request, new StreamOptions { AllowRestartAfterContent = false }, Ct));
        Assert.DoesNotContain(events, e => e is RestartedEvent);
        Assert.Equal(StreamErrorCode.StreamInterrupted, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        Assert.Single(script.Requests);
    }

    [Fact]
    public async Task A_retryable_first_post_error_is_retried_twice_with_retry_after_as_the_floor_then_is_final()
    {
        var time = new ImmediateTimeProvider();
        var script = new EdgeScript()
            .ThenStatus(HttpStatusCode.TooManyRequests, "RATE_LIMITED", true, retryAfterSeconds: 3)
            .ThenStatus(HttpStatusCode.ServiceUnavailable, "OVERLOADED", true)
            .ThenStatus(HttpStatusCode.TooManyRequests, "RATE_LIMITED", true);
        var events = await Collect(Client(script, time).StreamChatAsync(Request, Ct));
        Assert.Equal(3, script.Requests.Count);
        Assert.All(script.Requests, r => Assert.Equal(HttpMethod.Post, r.Method));
        Assert.Equal(3000, events.OfType<ReconnectingEvent>().First().DelayMs);
        Assert.Equal(StreamErrorCode.RateLimited, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
    }

    [Fact]
    public async Task A_non_retryable_first_post_error_is_never_retried()
    {
        var script = new EdgeScript().ThenStatus(HttpStatusCode.Unauthorized, "UNAUTHORIZED", false);
        var events = await Collect(Client(script, new ImmediateTimeProvider()).StreamChatAsync(Request, Ct));
        Assert.Equal(StreamErrorCode.Unauthorized, Assert.IsType<ErrorEvent>(Assert.Single(events)).Error.Code);
    }

    [Fact]
    public async Task A_5xx_on_resume_is_a_lost_connection_and_is_retried()
    {
        var script = new EdgeScript()
            .ThenSse(Start(Id), Delta(Id, 2, "a"))
            .ThenStatus(HttpStatusCode.BadGateway, "UPSTREAM_ERROR", true)
            .ThenSse(Delta(Id, 3, "b"), Done(Id, 4));
        var events = await Collect(Client(script, new ImmediateTimeProvider()).StreamChatAsync(Request, Ct));
        Assert.Equal("ab", string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text)));
    }

    [Fact]
    public async Task A_resume_that_never_reaches_the_edge_gives_up_as_quickly_as_a_start()
    {
        // relay attach to an answer whose edge is gone, behind a proxy that answers 502: nothing was lost, nothing to wait for.
        var script = new EdgeScript()
            .ThenStatus(HttpStatusCode.BadGateway, "UPSTREAM_ERROR", true)
            .ThenStatus(HttpStatusCode.BadGateway, "UPSTREAM_ERROR", true)
            .ThenStatus(HttpStatusCode.BadGateway, "UPSTREAM_ERROR", true)
            .ThenStatus(HttpStatusCode.BadGateway, "UPSTREAM_ERROR", true);
        var events = await Collect(Client(script, new ImmediateTimeProvider()).ResumeStreamAsync(Id, cancellationToken: Ct));
        Assert.Equal(3, script.Requests.Count);
        Assert.Equal(StreamErrorCode.UpstreamError, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        Assert.All(events.OfType<ReconnectingEvent>(), r => Assert.Equal(StreamErrorCode.UpstreamError, r.Cause?.Code));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.MethodNotAllowed)]
    [InlineData(HttpStatusCode.NotImplemented)]
    public async Task A_server_that_is_not_an_edge_is_named_as_such_and_not_retried(HttpStatusCode status)
    {
        var script = new EdgeScript().Then(_ => new HttpResponseMessage(status) { Content = new StringContent("<html>nope</html>") });
        var events = await Collect(Client(script, new ImmediateTimeProvider()).StreamChatAsync(Request, Ct));
        var error = Assert.IsType<ErrorEvent>(Assert.Single(events)).Error;
        Assert.Equal(StreamErrorCode.InvalidRequest, error.Code);
        Assert.StartsWith("http://edge.test is not a Relay edge: POST /v1/chat/stream answered", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_reconnection_off_a_lost_connection_fails_at_once()
    {
        var script = new EdgeScript().ThenSse(Start(Id), Delta(Id, 2, "a"));
        var events = await Collect(Client(script, new ImmediateTimeProvider()).StreamChatAsync(Request, new StreamOptions { Reconnect = false }, Ct));
        Assert.Equal(StreamErrorCode.NetworkError, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
        Assert.Single(script.Requests);
    }

    [Fact]
    public async Task A_malformed_event_from_the_edge_is_final()
    {
        var script = new EdgeScript().ThenSse(Start(Id), Frame(Id, 2, "surprise", "{}"));
        var events = await Collect(Client(script, new ImmediateTimeProvider()).StreamChatAsync(Request, Ct));
        Assert.Equal(StreamErrorCode.MalformedEvent, Assert.IsType<ErrorEvent>(events[^1]).Error.Code);
    }
}
