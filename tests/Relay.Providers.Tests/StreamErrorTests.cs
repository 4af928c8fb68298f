using System.Text;
using Microsoft.Extensions.Time.Testing;
using Relay.Contracts;
using static Relay.Providers.Tests.Captures;

namespace Relay.Providers.Tests;

public sealed class StreamErrorTests
{
    public static TheoryData<string, string, string> MidStreamShapes() => new()
    {
        { "A: top-level error with finish_reason error",
          Chunk("""error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]"""),
          "RATE_LIMITED" },
        { "B: error inside the choice",
          Chunk("""choices":[{"index":0,"finish_reason":"error","native_finish_reason":"error","error":{"message":"Error processing stream","code":502,"metadata":{"provider_name":"DeepInfra","raw":{"retryable":true}}},"delta":{"role":"assistant","content":""}}]"""),
          "UPSTREAM_UNAVAILABLE" },
        { "C: bare error object",
          "data: {\"error\":{\"message\":\"{\\n  \\\"error\\\": {\\n    \\\"code\\\": 429 }\\n}\\n\",\"code\":429}}\n\n",
          "RATE_LIMITED" },
        { "D: empty choices plus error",
          Chunk("""choices":[],"error":{"code":"server_error","message":"Worker local total request limit reached (33/32)"}"""),
          "UPSTREAM_ERROR" },
        { "E: silent stop with native_finish_reason error and no usage",
          Finish("stop", "network_error"),
          "STREAM_INTERRUPTED" },
    };

    [Theory]
    [MemberData(nameof(MidStreamShapes))]
    public async Task Every_mid_stream_error_shape_ends_the_stream_with_its_code(string shape, string errorChunk, string code)
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse(Content("partial") + errorChunk + Done)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(events.Count >= 3, shape);
        Assert.Equal("delta partial", TestProvider.Describe(events[1..2]));
        var error = Assert.IsType<ErrorEvent>(events[^1]).Error;
        Assert.Equal(code, error.WireName);
        Assert.Single(events, e => e.IsTerminal);
    }

    [Fact]
    public async Task A_finish_reason_error_without_an_error_object_is_UPSTREAM_ERROR()
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse(Content("a") + Finish("error", "error") + Done)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("error UPSTREAM_ERROR", TestProvider.Describe(events[^1..]));
    }

    [Fact]
    public async Task The_providers_message_is_kept_cut_to_500_characters()
    {
        var message = new string('m', 900);
        var chunk = Chunk("""choices":[],"error":{"code":500,"message":"MSG"}""".Replace("MSG", message, StringComparison.Ordinal));
        var events = await TestProvider.Create(ScriptedHandler.Sse(Content("a") + chunk)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(new string('m', 500), Assert.IsType<ErrorEvent>(events[^1]).Error.Message);
    }

    [Fact]
    public async Task A_reset_connection_is_STREAM_INTERRUPTED()
    {
        var stream = new PiecewiseStream([Encoding.UTF8.GetBytes(Content("a"))], PiecewiseStream.Ending.Reset);
        var events = await TestProvider.Create(ScriptedHandler.Sse(stream)).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("delta a | error STREAM_INTERRUPTED", TestProvider.Describe(events[1..]));
    }

    [Fact]
    public async Task End_of_input_without_a_finish_is_STREAM_INTERRUPTED()
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse(Content("a"))).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("delta a | error STREAM_INTERRUPTED", TestProvider.Describe(events[1..]));
    }

    [Fact]
    public async Task An_empty_body_is_a_lone_STREAM_INTERRUPTED()
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse("")).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("error STREAM_INTERRUPTED", TestProvider.Describe(events));
    }

    [Fact]
    public async Task A_data_line_that_is_not_JSON_is_MALFORMED_EVENT_and_never_skipped()
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse(Content("a") + "data: {\"choices\":[{\"delta\n\n" + Content("b") + Finish() + Done))
            .CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("delta a | error MALFORMED_EVENT", TestProvider.Describe(events[1..]));
    }

    [Fact]
    public async Task A_chunk_that_is_not_an_object_is_MALFORMED_EVENT()
    {
        var events = await TestProvider.Create(ScriptedHandler.Sse("data: [1,2]\n\n")).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("error MALFORMED_EVENT", TestProvider.Describe(events));
    }

    [Fact]
    public async Task An_oversized_event_is_EVENT_TOO_LARGE()
    {
        var huge = Content(new string('x', 4000));
        var events = await TestProvider.Create(ScriptedHandler.Sse(Content("a") + huge + Finish() + Done), new OpenRouterOptions { BaseUrl = "http://u/api/v1", MaxEventBytes = 2048 })
            .CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("delta a | error EVENT_TOO_LARGE", TestProvider.Describe(events[1..]));
    }

    [Fact]
    public async Task No_byte_within_the_idle_timeout_is_UPSTREAM_TIMEOUT()
    {
        var time = new FakeTimeProvider();
        var stream = new PiecewiseStream([Encoding.UTF8.GetBytes(Content("a"))], PiecewiseStream.Ending.Stall);
        var options = new OpenRouterOptions { BaseUrl = "http://u/api/v1", IdleTimeout = TimeSpan.FromSeconds(30) };
        var collecting = TestProvider.Create(ScriptedHandler.Sse(stream), options, time).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        await stream.Stalled.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(collecting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var events = await collecting;
        Assert.Equal("delta a | error UPSTREAM_TIMEOUT", TestProvider.Describe(events[1..]));
        await stream.Aborted;
    }

    [Fact]
    public async Task A_stall_after_the_finish_still_completes_the_answer()
    {
        var time = new FakeTimeProvider();
        var stream = new PiecewiseStream([Encoding.UTF8.GetBytes(Content("a") + Finish())], PiecewiseStream.Ending.Stall);
        var collecting = TestProvider.Create(ScriptedHandler.Sse(stream), null, time).CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        await stream.Stalled.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal("delta a | done stop", TestProvider.Describe((await collecting)[1..]));
    }

    [Fact]
    public async Task No_response_within_the_first_byte_timeout_is_UPSTREAM_TIMEOUT()
    {
        var time = new FakeTimeProvider();
        var requested = new TaskCompletionSource();
        var handler = new BlockingHandler(requested);
        var collecting = TestProvider.Create(handler, new OpenRouterOptions { BaseUrl = "http://u/api/v1", FirstByteTimeout = TimeSpan.FromSeconds(5) }, time)
            .CollectAsync(cancellationToken: TestContext.Current.CancellationToken);
        await requested.Task.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal("error UPSTREAM_TIMEOUT", TestProvider.Describe(await collecting));
    }

    [Fact]
    public async Task Cancelling_aborts_the_upstream_request_and_ends_with_no_further_events()
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stream = new PiecewiseStream([Encoding.UTF8.GetBytes(Content("a"))], PiecewiseStream.Ending.Stall);
        var events = new List<StreamEvent>();
        var reading = Task.Run(
            async () =>
            {
                await foreach (var e in TestProvider.Create(ScriptedHandler.Sse(stream)).GenerateStreamAsync(TestProvider.Request(), cts.Token))
                {
                    events.Add(e);
                }
            },
            TestContext.Current.CancellationToken);
        await stream.Stalled.WaitAsync(TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await reading;
        await stream.Aborted;
        Assert.Equal("delta a", TestProvider.Describe(events[1..]));
    }

    private sealed class BlockingHandler(TaskCompletionSource requested) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requested.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
